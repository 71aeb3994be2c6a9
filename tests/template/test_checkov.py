"""checkov finds nothing in template.yaml beyond the deliberate, explained skips in .checkov.yaml."""

from __future__ import annotations

import json

from tests.support.template import ROOT, TEMPLATE_FILE, template
from tests.template.test_validators import run

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def test_checkov_has_no_failed_check() -> None:
    assert CHECKOV.exists(), "checkov lives in its own venv: run `make checkov` (make test does)"

    result = run(str(CHECKOV), "-f", str(TEMPLATE_FILE), "--config-file", ".checkov.yaml", "--output", "json")

    report = json.loads(result.stdout)
    failed = [(check["check_id"], check["resource"]) for check in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 40
    assert result.returncode == 0, result.stderr


def test_every_skip_in_the_template_says_why() -> None:
    skips = [
        (name, skip)
        for name, resource in template()["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]

    assert skips  # the bucket's, at least
    for name, skip in skips:
        assert len(skip.get("comment", "")) > 20, (name, skip)


def test_every_skip_in_the_checkov_config_says_why() -> None:
    lines = (ROOT / ".checkov.yaml").read_text().splitlines()
    start = lines.index("skip-check:")

    for number, line in enumerate(lines[start + 1 :], start + 1):
        if line.strip().startswith("- CKV"):
            assert lines[number - 1].strip().startswith("#"), f"{line.strip()} has no reason above it"
