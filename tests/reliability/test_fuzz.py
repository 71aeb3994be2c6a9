"""schemathesis against openapi.yaml on the real server: every operation, no 5xx, every answer as documented.

The run is seeded (same requests each time, no example database carried between runs) and bounded:
at most MAX_EXAMPLES cases per operation and phase, and a hard time limit. Its HAR report counts the
requests actually sent; the run must send at least MIN_REQUESTS. Afterwards every link and task the
fuzzer managed to store must still satisfy the API's own rules.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import AppServer
from tests.reliability.records import bad_records

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # about 40 s: `make test-slow`

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
SEED = 20261123
MAX_EXAMPLES = 50
MIN_REQUESTS = 1000
TIME_LIMIT = 240  # seconds; a normal run takes about 25 s on two cores
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


def run_schemathesis(url: str, report_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(OPENAPI),
        "--url", url,
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--generation-database", "none",
        "--workers", "2",
        "--request-timeout", "30",
        "--report", "har,junit",
        "--report-dir", str(report_dir),
        "--no-color",
    ]  # fmt: skip
    # cwd: schemathesis keeps a cache folder where it runs, which belongs in the test's tmp dir.
    return subprocess.run(command, cwd=report_dir, capture_output=True, text=True, timeout=TIME_LIMIT, check=False)


def requests_sent(report_dir: Path) -> int:
    (har,) = report_dir.glob("har-*.json")
    return len(json.loads(har.read_text())["log"]["entries"])


def test_every_operation_survives_the_fuzzer_and_answers_as_documented(app_server: AppServer, tmp_path: Path) -> None:
    result = run_schemathesis(app_server.url, tmp_path)

    sent = requests_sent(tmp_path)
    generated = re.search(r"(\d+) generated", result.stdout)
    print(f"\nschemathesis: {sent} requests sent, {generated.group(1) if generated else '?'} test cases, seed {SEED}")
    assert result.returncode == 0, result.stdout[-8000:]
    assert "Tested: 12" in result.stdout, result.stdout[-3000:]  # every operation of openapi.yaml
    assert sent >= MIN_REQUESTS


def test_nothing_the_fuzzer_stored_breaks_a_rule(app_server: AppServer) -> None:
    stored_links, stored_tasks = app_server.tables.links(), app_server.tables.tasks()

    assert stored_links
    assert stored_tasks
    assert bad_records(stored_links, stored_tasks) == {}
