"""Attachments end to end through `make run`: a real multipart POST to the presigned form, S3's
notification into process_upload, the thumbnail, S3's refusals, and the stream cleaning up.

Everything goes over HTTP to the real server (tests/e2e/conftest.py's `links_stack`, the repo's
template) and to its emulator, the way a browser and `aws --endpoint-url` would reach them.
"""

from __future__ import annotations

import base64
import io
import json
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus
from xml.etree import ElementTree

import boto3
import pytest
import requests
from botocore.config import Config
from PIL import Image

from devkit.local_aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from devkit.local_server import LocalStack
from tests.e2e.conftest import LinksStack
from tests.support.polling import poll
from tests.support.uploads import image_bytes

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

pytestmark = pytest.mark.e2e

FIRST_UPLOAD_SECONDS = 15.0  # may include the function's cold start (Pillow's import) on a busy machine


@dataclass(frozen=True)
class Slot:
    """One requested attachment: its task, its id and the presigned POST the API returned."""

    user_id: str
    task_id: str
    attachment_id: str
    url: str
    fields: dict[str, str]

    @property
    def key(self) -> str:
        return self.fields["key"]

    @property
    def bucket(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[1]


@dataclass(frozen=True)
class Env:
    url: str
    emulator: str
    server: Any  # devkit.local_server.LocalStack
    s3: S3Client
    sqs: SQSClient


@pytest.fixture(scope="module")
def env(links_stack: LinksStack) -> Env:
    def client(service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            config=Config(signature_version="s3v4"),  # as the app's S3 client: presigned POSTs are SigV4
            endpoint_url=links_stack.emulator_endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    return Env(links_stack.url, links_stack.emulator_endpoint, links_stack.stack, client("s3"), client("sqs"))


# --- the flow, as a browser would drive it --------------------------------------------------------


def request_slot(env: Env, data: bytes, content_type: str = "image/jpeg") -> Slot:
    user_id = f"u{uuid.uuid4().hex[:12]}"
    task = requests.post(f"{env.url}/users/{user_id}/tasks", json={"title": "with a file"}, timeout=30)
    assert task.status_code == 201, task.text
    task_id = task.json()["task_id"]
    response = requests.post(
        f"{env.url}/users/{user_id}/tasks/{task_id}/attachments",
        json={"filename": "photo.jpg", "content_type": content_type, "size": len(data)},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Slot(user_id, task_id, body["attachment"]["attachment_id"], body["upload"]["url"], body["upload"]["fields"])


def post_form(url: str, fields: dict[str, str], data: bytes, content_type: str = "image/jpeg") -> requests.Response:
    """The browser's upload: the form's fields, then the file (S3 wants it last; requests puts it last)."""
    return requests.post(url, data=fields, files={"file": ("photo.jpg", data, content_type)}, timeout=30)


def attachment(env: Env, slot: Slot) -> dict[str, Any]:
    response = requests.get(f"{env.url}/users/{slot.user_id}/tasks/{slot.task_id}", timeout=30)
    assert response.status_code == 200, response.text
    (found,) = (a for a in response.json()["attachments"] if a["attachment_id"] == slot.attachment_id)
    return dict(found)


def wait_until_processed(env: Env, slot: Slot, timeout: float) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        current = attachment(env, slot)
        return current if current["status"] != "pending" else None

    return poll(done, timeout, f"attachment {slot.attachment_id} to leave pending")


def stored(env: Env, slot: Slot, prefix: str = "uploads") -> list[str]:
    listing = env.s3.list_objects_v2(Bucket=slot.bucket, Prefix=f"{prefix}/{slot.user_id}/{slot.task_id}/")
    return [entry["Key"] for entry in listing.get("Contents", [])]


def s3_error(response: requests.Response) -> tuple[str, str]:
    """(Code, Message) of S3's XML error document."""
    assert response.headers["Content-Type"] == "application/xml"
    error = ElementTree.fromstring(response.content)  # noqa: S314 - the local emulator's answer, not untrusted input
    return error.findtext("Code", ""), error.findtext("Message", "")


def processed_count(env: Env, key: str, since: int) -> int:
    """How many times process_upload recorded an outcome for `key` (its "Upload processed" log line)."""
    return sum('"Upload processed"' in line and key in line for line in env.server.output_since(since).splitlines())


# --- the happy path -----------------------------------------------------------------------------


def test_an_uploaded_jpeg_becomes_ready_with_a_256_pixel_thumbnail(env: Env) -> None:
    data = image_bytes("image/jpeg", (640, 480))
    slot = request_slot(env, data)

    upload = post_form(slot.url, slot.fields, data)

    assert upload.status_code == 204, upload.text
    ready = wait_until_processed(env, slot, FIRST_UPLOAD_SECONDS)
    assert ready["status"] == "ready"
    assert (ready["width"], ready["height"]) == (640, 480)
    thumbnail = requests.get(ready["thumbnail_url"], timeout=30)
    assert thumbnail.status_code == 200
    image = Image.open(io.BytesIO(thumbnail.content))
    image.verify()  # a whole, valid image file
    assert image.format == "JPEG"
    assert max(image.size) == 256
    assert image.size == (256, 192)
    original = requests.get(ready["url"], timeout=30)
    assert original.content == data


# --- what S3 refuses ----------------------------------------------------------------------------


def _tampered_signature(fields: dict[str, str]) -> dict[str, str]:
    signature = fields["x-amz-signature"]
    return {**fields, "x-amz-signature": ("0" if signature[0] != "0" else "1") + signature[1:]}


def _loosened_policy(fields: dict[str, str]) -> dict[str, str]:
    """The policy rewritten to allow 10 MB: the signature no longer matches it."""
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        ["content-length-range", 0, 10_485_760] if isinstance(c, list) and c[0] == "content-length-range" else c
        for c in policy["conditions"]
    ]
    return {**fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}


def _other_key(fields: dict[str, str]) -> dict[str, str]:
    head, _, _ = fields["key"].rpartition("/")
    return {**fields, "key": f"{head}/01J00000000000000000000000"}


REFUSALS: dict[str, tuple[Callable[[dict[str, str]], dict[str, str]], Callable[[bytes], bytes], str, int, str]] = {
    # name: (change to the form, change to the file, S3's code, status, what the message says)
    "over the size limit": (lambda f: f, lambda d: d + b"\0", "EntityTooLarge", 400, "maximum allowed size"),
    "another content type": (
        lambda f: {**f, "Content-Type": "image/png"},
        lambda d: d,
        "AccessDenied",
        403,
        "Policy Condition failed",
    ),
    "another key": (_other_key, lambda d: d, "AccessDenied", 403, '"$key"'),
    "a tampered signature": (_tampered_signature, lambda d: d, "SignatureDoesNotMatch", 403, "signature"),
    "a loosened policy": (_loosened_policy, lambda d: d + b"\0", "SignatureDoesNotMatch", 403, "signature"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_s3_refuses_an_upload_its_policy_does_not_allow_and_nothing_is_stored_or_processed(env: Env, case: str) -> None:
    change_form, change_file, code, status, message = REFUSALS[case]
    data = image_bytes("image/jpeg", (64, 48))
    slot = request_slot(env, data)
    mark = env.server.mark()

    refused = post_form(slot.url, change_form(slot.fields), change_file(data))

    assert (refused.status_code, s3_error(refused)[0]) == (status, code), refused.text
    assert message in s3_error(refused)[1]
    # The refusal is answered before anything is stored: no object, so no notification either.
    assert stored(env, slot) == []
    assert attachment(env, slot)["status"] == "pending"
    # The slot is intact: the form as issued still works, and is processed exactly once.
    assert post_form(slot.url, slot.fields, data).status_code == 204
    assert wait_until_processed(env, slot, FIRST_UPLOAD_SECONDS)["status"] == "ready"
    assert stored(env, slot) == [slot.key]
    # The function logs "Upload processed" after it recorded the outcome, which a read may see first.
    env.server.wait_for(re.compile(rf'"Upload processed".*{re.escape(slot.key)}'), timeout=10, since=mark)
    assert processed_count(env, slot.key, mark) == 1


def test_s3_refuses_an_upload_after_its_policy_expired(env: Env) -> None:
    data = image_bytes("image/jpeg", (64, 48))
    slot = request_slot(env, data)
    # The same form as the API's, signed here with a one-second lifetime.
    tagging = slot.fields["tagging"]
    form = env.s3.generate_presigned_post(
        Bucket=slot.bucket,
        Key=slot.key,
        Fields={"Content-Type": "image/jpeg", "tagging": tagging},
        Conditions=[
            {"Content-Type": "image/jpeg"},
            {"tagging": tagging},
            ["content-length-range", len(data), len(data)],
        ],
        ExpiresIn=1,
    )
    expiration = json.loads(base64.b64decode(form["fields"]["policy"]))["expiration"]
    wait = datetime.fromisoformat(expiration).timestamp() - datetime.now(UTC).timestamp()
    time.sleep(max(0.0, wait) + 0.05)  # the clock must pass the policy's expiration: nothing to poll

    refused = post_form(form["url"], form["fields"], data)

    assert (refused.status_code, s3_error(refused)) == (
        403,
        ("AccessDenied", "Invalid according to Policy: Policy expired."),
    )
    assert stored(env, slot) == []
    assert attachment(env, slot)["status"] == "pending"


# --- the table stream ---------------------------------------------------------------------------


def test_deleting_a_task_deletes_its_upload_and_thumbnail(env: Env) -> None:
    data = image_bytes("image/jpeg", (64, 48))
    slot = request_slot(env, data)
    assert post_form(slot.url, slot.fields, data).status_code == 204
    assert wait_until_processed(env, slot, FIRST_UPLOAD_SECONDS)["status"] == "ready"
    assert stored(env, slot, "uploads") == [slot.key]
    assert stored(env, slot, "thumbnails") != []

    deleted = requests.delete(f"{env.url}/users/{slot.user_id}/tasks/{slot.task_id}", timeout=30)

    assert deleted.status_code == 204
    poll(
        lambda: True if not stored(env, slot, "uploads") and not stored(env, slot, "thumbnails") else None,
        10.0,
        "CleanupTaskFunction to delete the task's files",
    )


# --- an upload that keeps failing ---------------------------------------------------------------


@pytest.fixture
def s3_reads_fail(env: Env) -> Iterator[None]:
    """Every S3 GET answers 503 (devkit/faults.py): process_upload cannot read any upload."""
    faults = f"{env.emulator}/devserver-api/faults"
    requests.put(faults, json=["s3:unavailable:1.0:GET"], timeout=10).raise_for_status()
    try:
        yield
    finally:
        requests.delete(faults, timeout=10).raise_for_status()


def failures_queue(env: Env) -> str:
    return env.sqs.get_queue_url(QueueName="UploadFailuresQueue")["QueueUrl"]


def test_an_upload_that_keeps_failing_goes_to_the_failures_queue_after_two_retries(
    env: Env, s3_reads_fail: None
) -> None:
    queue_url = failures_queue(env)
    env.sqs.purge_queue(QueueUrl=queue_url)  # earlier tests' failures, if any
    data = image_bytes("image/jpeg", (64, 48))
    slot = request_slot(env, data)  # the API itself needs no S3 GET
    mark = env.server.mark()

    assert post_form(slot.url, slot.fields, data).status_code == 204  # a POST: the fault spares it

    def failure_record() -> dict[str, Any] | None:
        messages = env.sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        return json.loads(messages[0]["Body"]) if messages else None

    record = poll(failure_record, 20.0, "the failed event in UploadFailuresQueue")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # the first attempt and 2 retries
    assert record["requestContext"]["functionArn"].endswith(":function:ProcessUploadFunction:$LATEST")
    assert record["responseContext"]["functionError"] == "Unhandled"
    (s3_record,) = record["requestPayload"]["Records"]
    assert unquote_plus(s3_record["s3"]["object"]["key"]) == slot.key
    env.server.wait_for(
        "ProcessUploadFunction: asynchronous event sent to UploadFailuresQueue after 3 failed attempts", since=mark
    )
    console = env.server.output_since(mark)
    assert re.search(r"ProcessUploadFunction: asynchronous invocation \S+ failed \(attempt 1 of 3\)", console)
    assert "failed (attempt 2 of 3)" in console
    # Not a loop: the event left Lambda's queue for good, and nothing else was recorded.
    events = env.sqs.get_queue_url(QueueName="devserver-async-ProcessUploadFunction")["QueueUrl"]
    attributes = env.sqs.get_queue_attributes(QueueUrl=events, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == (
        "0",
        "0",
    )
    assert processed_count(env, slot.key, mark) == 0
    assert attachment(env, slot)["status"] == "pending"


# --- stopping -----------------------------------------------------------------------------------


def test_ctrl_c_stops_the_trigger_pollers_with_the_server() -> None:
    stack = LocalStack(None, "--no-prewarm")
    assert "ProcessUploadFunction (async" in stack.output  # the pollers are running

    exit_code = stack.stop(signal.SIGINT)  # fails if the server is still running 15 s after the signal

    assert exit_code == 0
    assert "Traceback" not in stack.output
