"""Running a checker from the venv (actionlint, zizmor, cfn-lint, checkov) offline, as `make test` does."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.template import ROOT
from tests.template.test_validators import BIN, OFFLINE

__all__ = ["BIN", "run"]


def run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=OFFLINE, capture_output=True, text=True, timeout=120, check=False)
