"""`make deploy` checks for AWS credentials and a region before it spends time building."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.template import ROOT


def make_deploy(home: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`make deploy` with nothing of this machine's AWS set-up: an empty HOME, no AWS_ variables,
    no instance metadata (which would take a second to time out) and only `variables`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true", **variables)
    make = shutil.which("make") or "make"
    return subprocess.run(
        [make, "deploy"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("variables", "missing"),
    [
        ({}, "credentials and a region"),
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, "credentials:"),
        ({"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"}, "region:"),
    ],
)
def test_deploy_says_what_is_missing_before_building(tmp_path: Path, variables: dict[str, str], missing: str) -> None:
    result = make_deploy(tmp_path, **variables)

    assert result.returncode != 0
    assert f"make deploy needs AWS {missing}" in result.stderr
    assert "aws configure" in result.stderr
    assert "sam build" not in result.stdout + result.stderr
