"""An upload whose processing keeps failing (S3 answering SlowDown to process_upload) is retried a
bounded number of times, then lands in UploadFailuresQueue once: no loop, no lost event."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING

import pytest
import requests

from devkit.local_aws import sqs_client
from tests.reliability.conftest import AppServer
from tests.support.uploads import image_bytes

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # 10-20 s of retries and backoff: `make test-slow`
TIMEOUT = 30
FAILURES_QUEUE = "UploadFailuresQueue"
INVOCATIONS = 3  # ProcessUploadFunction: MaximumRetryAttempts 2, so three attempts in all
S3_ATTEMPTS = 3  # common/storage.py: standard retries, total_max_attempts 3
WAIT_SECONDS = 120  # three invocations, each backing off up to 1 + 2 + 4 s, plus the local retry pauses


def sqs(server: AppServer) -> SQSClient:
    return sqs_client(server.emulator_endpoint)


def failure_records_about(server: AppServer, attachment_id: str, timeout: float) -> list[str]:
    """Failure-queue messages that mention the attachment, polled until one arrives or `timeout`."""
    client = sqs(server)
    queue = client.get_queue_url(QueueName=FAILURES_QUEUE)["QueueUrl"]
    found: list[str] = []
    deadline = time.monotonic() + timeout
    while not found and time.monotonic() < deadline:
        for message in client.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2).get(
            "Messages", []
        ):
            if attachment_id in message["Body"]:
                found.append(message["Body"])
    return found


def test_an_upload_that_keeps_failing_lands_in_the_failure_queue_once(faults: AppServer) -> None:
    assert "ObjectCreated → ProcessUploadFunction" in faults.stack.output  # S3 events are delivered
    png = image_bytes("image/png", (8, 8))
    user = "upload-faults"
    task = requests.post(f"{faults.url}/users/{user}/tasks", json={"title": "f"}, timeout=TIMEOUT).json()
    created = requests.post(
        f"{faults.url}/users/{user}/tasks/{task['task_id']}/attachments",
        json={"filename": "a.png", "content_type": "image/png", "size": len(png)},
        timeout=TIMEOUT,
    ).json()
    attachment_id = created["attachment"]["attachment_id"]
    faults.set_faults("s3:throttle:1.0:GET")  # process_upload's reads; the browser's POST goes through
    mark = faults.stack.mark()

    upload = requests.post(
        created["upload"]["url"],
        data=created["upload"]["fields"],
        files={"file": ("a.png", png, "image/png")},
        timeout=TIMEOUT,
    )
    records = failure_records_about(faults, attachment_id, WAIT_SECONDS)

    assert upload.status_code == 204, upload.text  # S3's answer to a POST form that names no success_action_status
    assert len(records) == 1, faults.stack.output_since(mark)[-3000:]
    record = json.loads(records[0])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == INVOCATIONS
    # Exactly the attempts Lambda and the SDK make, and none after the event was given up.
    assert faults.injected() == {"s3:throttle": INVOCATIONS * S3_ATTEMPTS}
    retries = re.findall(r"ProcessUploadFunction: asynchronous invocation \S+ failed", faults.stack.output_since(mark))
    assert len(retries) == INVOCATIONS - 1
    faults.set_faults()
    seen = requests.get(f"{faults.url}/users/{user}/tasks/{task['task_id']}", timeout=TIMEOUT).json()
    assert [a["status"] for a in seen["attachments"]] == ["pending"]  # never processed, never marked ready
