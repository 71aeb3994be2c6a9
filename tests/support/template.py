"""template.yaml as data (CloudFormation tags such as !Ref kept as their JSON form)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FILE = ROOT / "template.yaml"


@cache
def _template() -> dict[str, Any]:
    template: dict[str, Any] = yaml_parse(TEMPLATE_FILE.read_text())
    return template


def template() -> dict[str, Any]:
    return _template()


def resources(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in _template()["Resources"].items() if r["Type"] == resource_type}


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
