"""template.yaml as CloudFormation would deploy it for given parameters: the SAM transform run
offline, then conditions resolved (resources, outputs and `Fn::If` branches that would not exist
are dropped)."""

from __future__ import annotations

import copy
import os
from typing import Any

from samtranslator.translator.transform import transform

from tests.support.template import template

_NO_VALUE = {"Ref": "AWS::NoValue"}


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only for policies named by name: we name none."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(parameters: dict[str, str]) -> dict[str, Any]:
    """The SAM transform's output (what `sam validate` checks), conditions still unresolved."""
    source = copy.deepcopy(template())
    for resource in source["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):  # sam package would upload these to S3
                properties[key] = "s3://bucket/key"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    result: dict[str, Any] = transform(source, parameters, _NoManagedPolicies())
    return result


def rendered(parameters: dict[str, str]) -> dict[str, Any]:
    """The resources and outputs that exist for these parameters, with `Fn::If` resolved."""
    output = transformed(parameters)
    values = {name: spec.get("Default") for name, spec in output.get("Parameters", {}).items()}
    values.update(parameters)
    conditions: dict[str, bool] = {}
    for name, expression in output.get("Conditions", {}).items():
        conditions[name] = _evaluate(expression, values, conditions)
    for section in ("Resources", "Outputs"):
        output[section] = {
            key: _resolve(value, conditions)
            for key, value in output.get(section, {}).items()
            if conditions.get(value.get("Condition", ""), True)
        }
    return output


def _evaluate(expression: Any, values: dict[str, Any], conditions: dict[str, bool]) -> bool:
    ((function, arguments),) = expression.items()
    match function:
        case "Fn::Equals":
            left, right = (_value(argument, values) for argument in arguments)
            return bool(str(left) == str(right))
        case "Fn::Not":
            return not _evaluate(arguments[0], values, conditions)
        case "Fn::And":
            return all(_evaluate(argument, values, conditions) for argument in arguments)
        case "Fn::Or":
            return any(_evaluate(argument, values, conditions) for argument in arguments)
        case "Condition":
            return conditions[arguments]
    raise ValueError(f"unsupported condition function {function}")


def _value(argument: Any, values: dict[str, Any]) -> Any:
    return values[argument["Ref"]] if isinstance(argument, dict) and "Ref" in argument else argument


def _resolve(node: Any, conditions: dict[str, bool]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return _resolve(if_true if conditions[name] else if_false, conditions)
        resolved = {key: _resolve(value, conditions) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value != _NO_VALUE}
    if isinstance(node, list):
        return [item for item in (_resolve(item, conditions) for item in node) if item != _NO_VALUE]
    return node
