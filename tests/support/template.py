"""template.yaml as data (CloudFormation tags such as !Ref kept as their JSON form)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FILE = ROOT / "template.yaml"


@cache
def parsed(path: Path) -> dict[Any, Any]:
    """A CloudFormation or GitHub Actions YAML file as data, parsed once: shared, never change it."""
    data: dict[Any, Any] = yaml_parse(path.read_text())
    return data


def template() -> dict[str, Any]:
    return parsed(TEMPLATE_FILE)


def resources(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template()["Resources"].items() if r["Type"] == resource_type}


def functions() -> dict[str, dict[str, Any]]:
    return resources("AWS::Serverless::Function")


def http_api_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of every HttpApi event in the template, e.g. ("GET", "/{shortCode}")."""
    return {
        (str(event["Properties"]["Method"]).upper(), str(event["Properties"]["Path"]))
        for function in functions().values()
        for event in (function["Properties"].get("Events") or {}).values()
        if event["Type"] == "HttpApi"
    }
