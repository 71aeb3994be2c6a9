"""POST /users/{user_id}/tasks/{task_id}/attachments, through CreateAttachmentFunction, and the
attachments that task reads then show."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from common import clock
from devkit.events import sample_event
from tests.conftest import Invoke
from tests.support.tasks_api import TasksApi
from tests.support.uploads import MINIMAL_PDF, Uploads, image_bytes

MISSING = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"
TEN_MB = 10 * 1024 * 1024


def jpeg_request(size: int = 2048, filename: str = "photo.jpg") -> dict[str, Any]:
    return {"filename": filename, "content_type": "image/jpeg", "size": size}


@pytest.fixture
def task_id(tasks_api: TasksApi) -> str:
    task_id: str = tasks_api.create("u1", {"title": "with files"}).body["task_id"]
    return task_id


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def later(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    """Move the layer's clock `seconds` ahead (time passes for every function in this process)."""
    start = int(time.time())
    monkeypatch.setattr(clock, "now_epoch", lambda: start + seconds)


# --- the happy path ---------------------------------------------------------------------------


def test_a_request_records_a_pending_attachment_and_returns_a_presigned_post(
    uploads: Uploads, task_id: str, dynamodb_calls: list[str]
) -> None:
    before = int(time.time())
    status, body = uploads.request("u1", task_id, jpeg_request(size=12345))

    assert status == 201
    attachment = body["attachment"]
    assert set(attachment) == {
        "attachment_id", "filename", "content_type", "size", "status", "created_at", "expires_at",
    }  # fmt: skip
    assert attachment["filename"] == "photo.jpg"
    assert attachment["content_type"] == "image/jpeg"
    assert attachment["size"] == 12345
    assert attachment["status"] == "pending"
    created = datetime.fromisoformat(attachment["created_at"]).timestamp()
    expires = datetime.fromisoformat(attachment["expires_at"]).timestamp()
    assert before - 1 <= created <= before + 2
    assert expires - created == 300 + 600  # the POST's lifetime plus the margin for late events
    assert set(body["upload"]) == {"url", "fields"}
    assert body["upload"]["url"].endswith(f"/{uploads.bucket}")
    assert dynamodb_calls == ["UpdateItem"]  # the slot, conditionally, in one call


def test_the_post_policy_pins_the_exact_key_type_size_tag_and_five_minutes(uploads: Uploads, task_id: str) -> None:
    _, body = uploads.request("u1", task_id, jpeg_request(size=4321))
    fields = body["upload"]["fields"]
    key = f"uploads/u1/{task_id}/{body['attachment']['attachment_id']}"

    policy = policy_of(fields)

    assert fields["key"] == key
    assert fields["Content-Type"] == "image/jpeg"
    conditions = policy["conditions"]
    assert {"key": key} in conditions  # exact: not a starts-with
    assert {"bucket": uploads.bucket} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 4321, 4321] in conditions
    assert {"tagging": fields["tagging"]} in conditions
    assert "<Key>upload</Key><Value>unchecked</Value>" in fields["tagging"]
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert 295 <= expiration - time.time() <= 301
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert {"x-amz-credential", "x-amz-date", "x-amz-signature"} <= set(fields)


def test_a_browser_style_multipart_post_of_the_returned_form_stores_the_file(uploads: Uploads, task_id: str) -> None:
    # moto stores whatever is posted and checks none of the policy: that the local stack refuses
    # what S3 would refuse is tested with the policy checker (tests/devserver/test_s3_post_policy.py).
    data = image_bytes("image/png", (32, 32))
    _, body = uploads.request("u1", task_id, {"filename": "dot.png", "content_type": "image/png", "size": len(data)})
    form = body["upload"]

    response = requests.post(
        form["url"], data=form["fields"], files={"file": ("dot.png", data, "image/png")}, timeout=5
    )

    assert response.status_code == 204
    head = uploads.aws.s3().head_object(Bucket=uploads.bucket, Key=form["fields"]["key"])
    assert head["ContentType"] == "image/png"
    assert uploads.read(form["fields"]["key"]) == data


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"])
def test_every_allowed_type_is_accepted(uploads: Uploads, task_id: str, content_type: str) -> None:
    status, body = uploads.request("u1", task_id, {"filename": "f", "content_type": content_type, "size": TEN_MB})

    assert status == 201
    assert body["upload"]["fields"]["Content-Type"] == content_type


def test_the_sample_event_reaches_the_handler(invoke_function: Invoke, uploads: Uploads) -> None:
    response = invoke_function("CreateAttachmentFunction", sample_event("create_attachment"))

    assert response["statusCode"] == 404  # the sample's task does not exist here
    assert json.loads(response["body"]) == {"error": "Task not found"}


# --- refusals ---------------------------------------------------------------------------------

# One case per kind of refusal: every rule is in tests/unit/test_attachment_rules.py.
BAD_BODIES = [
    ({"filename": 7, "content_type": "image/png", "size": 1}, "filename must be a string"),
    ({"filename": "../../etc/passwd", "content_type": "image/png", "size": 1}, "filename must not contain / or \\"),
    ({"filename": "photo\u202egnp.exe", "content_type": "image/png", "size": 1}, "filename must not contain control"),
    # JSON's "\ud800" escape: half a surrogate pair, refused for the whole body (common/http.py)
    ({"filename": "\ud800.png", "content_type": "image/png", "size": 1}, "Request body is not valid JSON"),
    ({"filename": "a", "content_type": "image/svg+xml", "size": 1}, "content_type must be one of"),
    ({"filename": "a", "content_type": "image/png", "size": TEN_MB + 1}, "size must be a whole number of bytes"),
    ({"filename": "a", "content_type": "image/png", "size": 1, "key": "uploads/x"}, "Unknown field(s): key"),
    ({"filename": "a", "content_type": "image/png"}, "Missing field: size"),
    (["a", "image/png", 1], "Request body must be a JSON object"),
]


@pytest.mark.parametrize(("body", "error"), BAD_BODIES)
def test_bad_input_is_400_naming_the_problem_and_stores_nothing(
    uploads: Uploads, task_id: str, body: Any, error: str
) -> None:
    status, reply = uploads.request("u1", task_id, body)

    assert status == 400
    assert reply["error"].startswith(error)
    assert uploads.task_item("u1", task_id)["attachments"] == {"M": {}}  # type: ignore[index]


def test_a_missing_task_is_404(uploads: Uploads) -> None:
    status, reply = uploads.request("u1", MISSING, jpeg_request())

    assert status == 404
    assert reply == {"error": "Task not found"}
    assert uploads.task_item("u1", MISSING) is None  # the UpdateItem created no item


def test_another_users_task_is_not_found_under_your_id(uploads: Uploads, task_id: str) -> None:
    assert uploads.request("u2", task_id, jpeg_request())[0] == 404


@pytest.mark.parametrize(("user_id", "task_id"), [("u1", "not-a-ulid"), ("u/1", MISSING), ("", MISSING)])
def test_malformed_ids_are_400(uploads: Uploads, user_id: str, task_id: str) -> None:
    assert uploads.request(user_id, task_id, jpeg_request())[0] == 400


def test_with_cognito_only_the_owner_may_attach(invoke_function: Invoke, uploads: Uploads, task_id: str) -> None:
    from devkit.events import task_event  # noqa: PLC0415

    event = task_event("POST", "u1", task_id, suffix="/attachments", body=jpeg_request(), claims={"sub": "u2"})
    response = invoke_function("CreateAttachmentFunction", event, {"AUTH_MODE": "cognito"})

    assert response["statusCode"] == 403


# --- the 20-attachment limit and lazy expiry ---------------------------------------------------


def test_a_task_holds_at_most_20_attachments(uploads: Uploads, task_id: str) -> None:
    for _ in range(20):
        assert uploads.request("u1", task_id, jpeg_request())[0] == 201

    status, reply = uploads.request("u1", task_id, jpeg_request())

    assert status == 409
    assert reply == {"error": "A task can have at most 20 attachments"}
    assert len(uploads.task_item("u1", task_id)["attachments"]["M"]) == 20  # type: ignore[index]


def test_uploads_that_never_arrived_show_as_expired_and_give_up_their_slot(
    uploads: Uploads, tasks_api: TasksApi, task_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = uploads.request("u1", task_id, jpeg_request(filename="first.jpg"))[1]["attachment"]
    for _ in range(19):
        uploads.request("u1", task_id, jpeg_request())
    later(monkeypatch, 300 + 600 + 1)  # past the POST's lifetime and the margin

    shown = tasks_api.get("u1", task_id).body["attachments"]
    status, _ = uploads.request("u1", task_id, jpeg_request(filename="new.jpg"))

    assert {attachment["status"] for attachment in shown} == {"expired"}
    assert "expires_at" not in shown[0]
    assert status == 201
    after = tasks_api.get("u1", task_id).body["attachments"]
    assert len(after) == 20
    assert first["attachment_id"] not in {a["attachment_id"] for a in after}  # the oldest gave its place
    assert [a["status"] for a in after].count("expired") == 19  # the others are still shown
    assert after[-1]["filename"] == "new.jpg"
    assert after[-1]["status"] == "pending"


def test_a_pending_upload_still_in_its_window_keeps_its_slot(
    uploads: Uploads, task_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(20):
        uploads.request("u1", task_id, jpeg_request())
    later(monkeypatch, 300 + 600 - 5)

    assert uploads.request("u1", task_id, jpeg_request())[0] == 409


def test_rejected_uploads_give_up_their_slot_too(uploads: Uploads, task_id: str) -> None:
    keys = []
    for _ in range(20):
        fields = uploads.request("u1", task_id, jpeg_request(size=5))[1]["upload"]["fields"]
        keys.append(fields["key"])
    uploads.upload(keys[3], b"hello", "image/jpeg")  # not a JPEG: rejected

    status, _ = uploads.request("u1", task_id, jpeg_request())

    assert status == 201
    attachments = uploads.task_item("u1", task_id)["attachments"]["M"]  # type: ignore[index]
    assert keys[3].rsplit("/", 1)[1] not in attachments


def test_a_task_from_before_attachments_existed_gets_its_first_one(uploads: Uploads, tasks_api: TasksApi) -> None:
    item = {
        "user_id": {"S": "u1"}, "task_id": {"S": MISSING}, "title": {"S": "old"}, "status": {"S": "pending"},
        "created_at": {"N": "1"}, "updated_at": {"N": "1"}, "version": {"N": "1"},
    }  # fmt: skip
    uploads.aws.dynamodb().put_item(TableName="TasksTable", Item=item)

    status, _ = uploads.request("u1", MISSING, jpeg_request())

    assert status == 201
    assert len(tasks_api.get("u1", MISSING).body["attachments"]) == 1


# --- what task reads show -----------------------------------------------------------------------


def test_reads_show_each_attachment_with_status_and_links_only_when_ready(
    uploads: Uploads, tasks_api: TasksApi, task_id: str
) -> None:
    photo = image_bytes("image/jpeg", (400, 300))
    ready = uploads.request("u1", task_id, jpeg_request(size=len(photo), filename="my photo.jpg"))[1]
    pending = uploads.request("u1", task_id, jpeg_request())[1]
    rejected = uploads.request("u1", task_id, jpeg_request(size=5))[1]
    uploads.upload(ready["upload"]["fields"]["key"], photo, "image/jpeg")
    uploads.upload(rejected["upload"]["fields"]["key"], b"hello", "image/jpeg")

    task = tasks_api.get("u1", task_id).body
    listed = tasks_api.list("u1").body["tasks"][0]

    assert listed["attachments"][0]["status"] == "ready"
    shown = {a["attachment_id"]: a for a in task["attachments"]}
    assert [a["attachment_id"] for a in task["attachments"]] == sorted(shown)  # oldest first
    mine = shown[ready["attachment"]["attachment_id"]]
    assert mine["status"] == "ready"
    assert (mine["width"], mine["height"]) == (400, 300)
    file = requests.get(mine["url"], timeout=5)
    assert file.status_code == 200
    assert file.content == photo
    assert file.headers["Content-Disposition"] == "attachment; filename*=UTF-8''my%20photo.jpg"
    assert "X-Amz-Expires=300" in mine["url"]
    thumbnail = requests.get(mine["thumbnail_url"], timeout=5)
    assert thumbnail.status_code == 200
    assert thumbnail.content.startswith(b"\xff\xd8\xff")
    waiting = shown[pending["attachment"]["attachment_id"]]
    assert waiting["status"] == "pending"
    assert "url" not in waiting
    assert "thumbnail_url" not in waiting
    refused = shown[rejected["attachment"]["attachment_id"]]
    assert refused["status"] == "rejected"
    assert refused["reason"].startswith("The file is not one of")
    assert "url" not in refused


def test_a_read_with_attachments_is_still_one_dynamodb_call(
    uploads: Uploads, tasks_api: TasksApi, task_id: str, dynamodb_calls: list[str]
) -> None:
    data = MINIMAL_PDF
    fields = uploads.request("u1", task_id, {"filename": "a.pdf", "content_type": "application/pdf", "size": len(data)})
    uploads.upload(fields[1]["upload"]["fields"]["key"], data, "application/pdf")
    dynamodb_calls.clear()

    task = tasks_api.get("u1", task_id).body

    assert dynamodb_calls == ["GetItem"]
    assert task["attachments"][0]["status"] == "ready"
    assert "thumbnail_url" not in task["attachments"][0]  # a PDF has no thumbnail
