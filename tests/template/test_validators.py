"""The template passes SAM's and CloudFormation's own validators, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.rendered import transformed
from tests.support.template import ROOT, TEMPLATE_FILE

BIN = Path(sys.executable).parent
OFFLINE = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "offline",
    "AWS_SECRET_ACCESS_KEY": "offline",
    "AWS_DEFAULT_REGION": "us-east-1",
    "SAM_CLI_TELEMETRY": "0",
    # sam build looks for python3.13 on PATH (for the functions and the layer's Makefile).
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
}


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=OFFLINE, capture_output=True, text=True, timeout=120, check=False)


def test_sam_validate_lint_passes() -> None:
    result = run(str(BIN / "sam"), "validate", "--lint", "--template-file", str(TEMPLATE_FILE))

    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_with_the_transform_passes() -> None:
    # --lint skips the SAM transform; plain validate runs it and catches what the translator rejects.
    result = run(str(BIN / "sam"), "validate", "--template-file", str(TEMPLATE_FILE))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid SAM Template" in result.stdout + result.stderr


def test_cfn_lint_reports_nothing_on_the_template_nor_on_what_the_transform_makes_of_it(tmp_path: Path) -> None:
    # Circular dependencies and typos in event properties only show after the SAM transform. One
    # cfn-lint run for all three: most of its time is its own start-up.
    files = [TEMPLATE_FILE]
    for name, parameters in {
        "cognito-prod": {"AuthMode": "cognito", "Stage": "prod", "CorsAllowOrigins": "https://app.example.com"},
        "none-dev": {"AuthMode": "none"},
    }.items():
        files.append(tmp_path / f"transformed-{name}.json")
        files[-1].write_text(json.dumps(transformed(parameters)))

    result = run(str(BIN / "cfn-lint"), *map(str, files))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""
