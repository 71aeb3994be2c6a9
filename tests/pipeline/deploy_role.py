"""pipeline/github-deploy-role.yaml as data, rendered as CloudFormation would deploy it, and a small
evaluator for the IAM policy elements it uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.support.template import ROOT, parsed

ROLE_TEMPLATE_FILE = ROOT / "pipeline" / "github-deploy-role.yaml"
ACCOUNT = "123456789012"


def template() -> dict[str, Any]:
    return parsed(ROLE_TEMPLATE_FILE)


@dataclass(frozen=True)
class Deployment:
    """Where and how the role stack is deployed: the values its intrinsic functions resolve to."""

    parameters: dict[str, str]
    stack_name: str = "serverless-ref-app-pipeline"
    partition: str = "aws"
    region: str = "eu-west-1"
    account: str = ACCOUNT

    def physical_id(self, logical_id: str) -> str:
        """What `Ref` returns for one of the template's resources."""
        match template()["Resources"][logical_id]["Type"]:
            case "AWS::IAM::Role":
                return f"{self.stack_name}-{logical_id}-EXAMPLE"
            case "AWS::IAM::ManagedPolicy":
                return f"arn:{self.partition}:iam::{self.account}:policy/{self.stack_name}-{logical_id}-EXAMPLE"
            case "AWS::S3::Bucket":
                return f"{self.stack_name}-{logical_id.lower()}-example"
            case "AWS::IAM::OIDCProvider":
                return f"arn:{self.partition}:iam::{self.account}:oidc-provider/token.actions.githubusercontent.com"
            case other:
                raise NotImplementedError(other)

    def attribute(self, logical_id: str, name: str) -> str:
        assert name == "Arn", name
        physical_id = self.physical_id(logical_id)
        match template()["Resources"][logical_id]["Type"]:
            case "AWS::IAM::Role":
                return f"arn:{self.partition}:iam::{self.account}:role/{physical_id}"
            case "AWS::S3::Bucket":
                return f"arn:{self.partition}:s3:::{physical_id}"
            case other:
                raise NotImplementedError(other)

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack_name,
        }
        if name in pseudo:
            return pseudo[name]
        if name in template()["Parameters"]:
            return self.parameters.get(name, str(template()["Parameters"][name].get("Default", "")))
        return self.physical_id(name)

    def condition(self, name: str) -> bool:
        ((function, (left, right)),) = template()["Conditions"][name].items()
        assert function == "Fn::Equals", function
        return bool(self.resolve(left) == self.resolve(right))

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function the template uses resolved."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If"):
            ((function, argument),) = value.items()
            return self._call(function, argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _call(self, function: str, argument: Any) -> Any:
        match function:
            case "Ref":
                return self.ref(argument)
            case "Fn::GetAtt":
                logical_id, name = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.attribute(logical_id, name)
            case "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda match: self._substitute(match[1]), argument)
        name, when_true, when_false = argument  # Fn::If
        return self.resolve(when_true if self.condition(name) else when_false)

    def _substitute(self, name: str) -> str:
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return self.attribute(logical_id, attribute)
        return self.ref(name)

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources this deployment creates, resolved."""
        return {
            name: self.resolve(resource)
            for name, resource in template()["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def role_policies(self, role: str) -> list[dict[str, Any]]:
        """Every policy document a role gets: inline, and the managed ones of this template."""
        resources = self.resources()
        properties = resources[role]["Properties"]
        documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        managed = {
            self.physical_id(name): name for name, r in resources.items() if r["Type"] == "AWS::IAM::ManagedPolicy"
        }
        for arn in properties.get("ManagedPolicyArns", []):
            documents.append(resources[managed[arn]]["Properties"]["PolicyDocument"])
        return documents


@dataclass(frozen=True)
class Request:
    """One AWS call as IAM sees it: the action, the resource, and the condition keys it carries."""

    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


def allowed(documents: list[dict[str, Any]], request: Request) -> bool:
    """Whether an Allow statement of these policies matches (none of them denies anything)."""
    return any(
        _matches(statement, request)
        for document in documents
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
    )


def granted_actions(documents: list[dict[str, Any]]) -> list[str]:
    return [
        action
        for document in documents
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"])
    ]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * is any run of characters (`/` and `:` too), ? is one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _matches(statement: dict[str, Any], request: Request) -> bool:
    return (
        any(wildcard_match(action, request.action, ignore_case=True) for action in _as_list(statement["Action"]))
        and any(wildcard_match(resource, request.resource) for resource in _as_list(statement["Resource"]))
        and all(
            _condition_holds(operator, key, _as_list(values), request.context)
            for operator, tests in statement.get("Condition", {}).items()
            for key, values in tests.items()
        )
    )


def _condition_holds(operator: str, key: str, values: list[Any], context: dict[str, str]) -> bool:
    if key not in context:
        return False
    actual = context[key]
    match operator:
        case "StringEquals" | "ArnEquals":
            return actual in [str(value) for value in values]
        case "StringLike" | "ArnLike":
            return any(wildcard_match(str(value), actual) for value in values)
        case "Bool":
            return actual.lower() in [str(value).lower() for value in values]
    raise NotImplementedError(f"condition operator {operator}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
