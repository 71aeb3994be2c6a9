"""Editing a handler or the layer takes effect on the next request, without restarting the server;
editing the template asks for a restart.

The server runs from a copy of the repo's template and src/ in a temporary folder, so the test can
edit the code freely. The server notices an edit through watchdog (a moment after the save) and
says so: the test waits for that line, as a developer would have moved on to the next request.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devkit.local_server import ROOT, LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("app")
    shutil.copy(ROOT / "template.yaml", folder / "template.yaml")
    shutil.copytree(ROOT / "src", folder / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.fixture(scope="module")
def stack(app_copy: Path) -> Iterator[LocalStack]:
    with LocalStack(app_copy / "template.yaml", "--no-prewarm") as stack:
        yield stack


def test_a_handler_edit_is_served_by_the_next_request_and_then_stays_warm(stack: LocalStack, app_copy: Path) -> None:
    assert requests.get(f"{stack.url}/links/x", timeout=30).status_code == 404
    # That request's own cold start is logged by its worker, not by the server: counted before the mark.
    stack.wait_for(r"REPORT RequestId: .*Init Duration")
    handler = app_copy / "src" / "functions" / "link_stats" / "app.py"
    mark = stack.mark()
    handler.write_text(
        "def handler(event, context):\n"
        "    code = event['pathParameters']['shortCode']\n"
        "    return {'statusCode': 200, 'headers': {'Content-Type': 'text/plain'}, 'body': 'edited ' + code}\n"
    )
    stack.wait_for(r"Code changed: restarting the workers of LinkStatsFunction$", since=mark)

    first = requests.get(f"{stack.url}/links/x", timeout=30)
    second = requests.get(f"{stack.url}/links/y", timeout=30)

    assert (first.status_code, first.text) == (200, "edited x")
    assert (second.status_code, second.text) == (200, "edited y")
    stack.wait_for(r"END RequestId", since=mark)
    assert stack.output_since(mark).count("Init Duration") == 1  # one cold start for the edit, not one per request
    assert stack.output_since(mark).count("Code changed") == 1  # one line for the save, however many file events


def test_a_layer_edit_is_served_by_the_next_request(stack: LocalStack, app_copy: Path) -> None:
    assert "X-Edited" not in requests.get(f"{stack.url}/nosuchcode", timeout=30).headers
    http = app_copy / "src" / "layers" / "common" / "common" / "http.py"
    source = http.read_text()
    marker = '"X-Content-Type-Options": "nosniff",\n            **(headers or {}),'
    assert marker in source  # json_response's headers, which every JSON error uses
    mark = stack.mark()
    http.write_text(source.replace(marker, '"X-Edited": "yes",\n            ' + marker, 1))
    stack.wait_for(r"Code changed: .*RedirectLinkFunction", since=mark)

    response = requests.get(f"{stack.url}/nosuchcode", timeout=30)

    assert response.status_code == 404
    assert response.headers["X-Edited"] == "yes"


def test_a_template_edit_asks_for_a_restart(stack: LocalStack, app_copy: Path) -> None:
    template = app_copy / "template.yaml"
    mark = stack.mark()
    template.write_text(template.read_text() + "\n")

    line = stack.wait_for(r"template\.yaml changed", since=mark)

    assert re.search(r"Restart to load it .*the data is kept", line)
    assert requests.get(f"{stack.url}/links/x", timeout=30).status_code in (200, 404)  # still serving
