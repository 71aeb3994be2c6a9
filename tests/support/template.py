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
