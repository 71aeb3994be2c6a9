"""Nothing lost on restart: links and files come back after `make run` is killed.

Two servers in turn on one data folder of the test's own (never the developer's .local-data/), on
the repo's template: the first is killed with SIGKILL once its periodic save has the data, the
second starts from that folder.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
import requests

from devkit.local_aws import s3_client
from devkit.local_names import bucket_name
from devkit.local_server import LocalStack, free_port
from devkit.stack import Stack

pytestmark = pytest.mark.e2e


def saved(folder: Path, name: str) -> str:
    """A saved table's or bucket's file, as text ("" until the first save)."""
    for path in (folder / "tables" / f"{name}.json", folder / "buckets" / f"{name}.json"):
        if path.exists():
            return path.read_text()
    return ""


def test_links_and_files_survive_a_killed_server(tmp_path: Path, stack: Stack) -> None:
    data, emulator_port = tmp_path / "data", free_port()
    ((logical_id, props),) = stack.resources("AWS::S3::Bucket").items()
    bucket = bucket_name(logical_id, props)

    with LocalStack(None, "--no-prewarm", "--emulator-port", str(emulator_port), data_dir=data) as first:
        assert "Data: nothing saved yet in" in first.output
        link = {"url": "https://example.com/kept", "alias": "kept"}
        assert requests.post(f"{first.url}/shorten", json=link, timeout=30).status_code == 201
        assert requests.get(f"{first.url}/kept", allow_redirects=False, timeout=30).status_code == 301
        s3 = s3_client(f"http://127.0.0.1:{emulator_port}")
        s3.put_object(Bucket=bucket, Key="uploads/u1/file", Body=b"\x00bytes", ContentType="image/png")
        deadline = time.monotonic() + 15
        while not ('"clicks": {"N": "1"}' in saved(data, "LinksTable") and "uploads/u1/file" in saved(data, bucket)):
            assert time.monotonic() < deadline, "the periodic save did not come"
            time.sleep(0.05)
        first.stop(signal.SIGKILL)  # no clean stop: only what was saved while running survives

    with LocalStack(None, "--no-prewarm", "--emulator-port", str(emulator_port), data_dir=data) as second:
        assert "Data: 1 item and 1 object restored from" in second.output
        redirect = requests.get(f"{second.url}/kept", allow_redirects=False, timeout=30)
        stats = requests.get(f"{second.url}/links/kept", timeout=30).json()
        file = s3.get_object(Bucket=bucket, Key="uploads/u1/file")

    assert (redirect.status_code, redirect.headers["Location"]) == (301, "https://example.com/kept")
    assert stats["clicks"] == 2  # the click before the kill, and this one
    assert (file["Body"].read(), file["ContentType"]) == (b"\x00bytes", "image/png")
    assert json.loads(saved(data, bucket))["bucket"] == bucket
