"""S3 ObjectCreated on uploads/, through ProcessUploadFunction: checks, thumbnails and the record."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from PIL import Image

from common import clock, dynamo, storage
from devkit.events import s3_event, sample_event, stream_event
from tests.conftest import Invoke
from tests.support.tasks_api import TasksApi
from tests.support.uploads import (
    MINIMAL_PDF,
    Uploads,
    image_bytes,
    png_bomb,
    progressive_jpeg,
)

IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]


@pytest.fixture
def task_id(tasks_api: TasksApi) -> str:
    task_id: str = tasks_api.create("u1", {"title": "with files"}).body["task_id"]
    return task_id


@pytest.fixture
def s3_calls(uploads: Uploads) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The S3 operations (and their parameters) the layer's client makes during a test."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, params))

    storage.client().meta.events.register("provide-client-params.s3", record, unique_id="record-s3")
    yield calls
    storage.client().meta.events.unregister("provide-client-params.s3", unique_id="record-s3")


def slot(uploads: Uploads, task_id: str, content_type: str, size: int, user_id: str = "u1") -> str:
    """Request an attachment; the key its upload must go to."""
    status, body = uploads.request(user_id, task_id, {"filename": "f", "content_type": content_type, "size": size})
    assert status == 201, body
    key: str = body["upload"]["fields"]["key"]
    return key


def attachment(uploads: Uploads, key: str) -> dict[str, Any]:
    _, user_id, task_id, attachment_id = key.split("/")
    item = uploads.task_item(user_id, task_id)
    assert item is not None
    entry: dict[str, Any] = dynamo.from_item(item["attachments"]["M"])[attachment_id]
    return entry


def thumbnail_key(key: str) -> str:
    return key.replace("uploads/", "thumbnails/", 1) + ".jpg"


# --- accepted files ---------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", IMAGE_TYPES)
def test_each_image_type_becomes_ready_with_a_256px_jpeg_thumbnail(
    uploads: Uploads, task_id: str, content_type: str
) -> None:
    data = image_bytes(content_type, (640, 480))
    key = slot(uploads, task_id, content_type, len(data))

    uploads.upload(key, data, content_type)

    entry = attachment(uploads, key)
    assert entry["status"] == "ready"
    assert (entry["width"], entry["height"]) == (640, 480)
    assert entry["thumbnail_key"] == thumbnail_key(key)
    thumbnail = Image.open(io.BytesIO(uploads.read(thumbnail_key(key))))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (256, 192)
    assert uploads.read(key) == data  # the file itself stays as uploaded
    tags = uploads.aws.s3().get_object_tagging(Bucket=uploads.bucket, Key=key)["TagSet"]
    assert tags == [{"Key": "upload", "Value": "checked"}]  # out of reach of the unchecked-uploads rule


def test_a_pdf_becomes_ready_without_a_thumbnail(uploads: Uploads, task_id: str) -> None:
    key = slot(uploads, task_id, "application/pdf", len(MINIMAL_PDF))

    uploads.upload(key, MINIMAL_PDF, "application/pdf")

    entry = attachment(uploads, key)
    assert entry["status"] == "ready"
    assert "thumbnail_key" not in entry
    assert uploads.listing("thumbnails/") == []


def test_exif_orientation_is_applied_and_metadata_stripped(uploads: Uploads, task_id: str) -> None:
    # Stored landscape, EXIF says "rotate 90° clockwise to display": a portrait photo.
    data = image_bytes("image/jpeg", (600, 400), orientation=6)
    key = slot(uploads, task_id, "image/jpeg", len(data))

    uploads.upload(key, data, "image/jpeg")

    entry = attachment(uploads, key)
    assert (entry["width"], entry["height"]) == (400, 600)
    thumbnail = Image.open(io.BytesIO(uploads.read(thumbnail_key(key))))
    assert thumbnail.size == (171, 256)
    assert not thumbnail.getexif()
    assert not {"exif", "icc_profile", "comment", "xmp"} & set(thumbnail.info)


def test_a_small_image_is_not_enlarged(uploads: Uploads, task_id: str) -> None:
    data = image_bytes("image/png", (40, 20))
    key = slot(uploads, task_id, "image/png", len(data))

    uploads.upload(key, data, "image/png")

    assert Image.open(io.BytesIO(uploads.read(thumbnail_key(key)))).size == (40, 20)


# --- refused files ----------------------------------------------------------------------------


def assert_rejected(uploads: Uploads, key: str, reason: str) -> None:
    entry = attachment(uploads, key)
    assert entry["status"] == "rejected"
    assert entry["reason"].startswith(reason), entry["reason"]
    assert uploads.listing("uploads/") == []  # a refused file is not kept
    assert uploads.listing("thumbnails/") == []


def test_content_that_is_no_allowed_type_is_rejected(uploads: Uploads, task_id: str) -> None:
    data = b"<html><script>alert(1)</script></html>"
    key = slot(uploads, task_id, "image/png", len(data))

    uploads.upload(key, data, "image/png")

    assert_rejected(uploads, key, "The file is not one of: image/jpeg, image/png")


def test_magic_bytes_of_another_type_than_declared_are_rejected(uploads: Uploads, task_id: str) -> None:
    data = image_bytes("image/png", (10, 10))
    key = slot(uploads, task_id, "image/jpeg", len(data))

    uploads.upload(key, data, "image/jpeg")  # what the POST policy forces: the declared type

    assert_rejected(uploads, key, "The file's content is image/png, but it was uploaded as image/jpeg")


def test_a_file_whose_type_differs_from_the_recorded_declaration_is_rejected(uploads: Uploads, task_id: str) -> None:
    # Only possible where the POST policy is not enforced (moto): object and bytes agree, the task disagrees.
    data = MINIMAL_PDF
    key = slot(uploads, task_id, "image/png", len(data))

    uploads.upload(key, data, "application/pdf")

    assert_rejected(uploads, key, f"The file is application/pdf, {len(data)} bytes; declared image/png")


def test_a_truncated_image_is_rejected(uploads: Uploads, task_id: str) -> None:
    data = image_bytes("image/jpeg", (640, 480))[:3000]
    key = slot(uploads, task_id, "image/jpeg", len(data))

    uploads.upload(key, data, "image/jpeg")

    assert_rejected(uploads, key, "The file is not a valid JPEG image")


def test_a_decompression_bomb_is_rejected_without_decoding_it(uploads: Uploads, task_id: str) -> None:
    data = png_bomb(100_000, 100_000)  # 10 gigapixels declared in a few hundred bytes
    key = slot(uploads, task_id, "image/png", len(data))

    uploads.upload(key, data, "image/png")

    # Decoding 10 gigapixels would take minutes and 30 GB: the reason comes from the header alone.
    assert_rejected(uploads, key, "The image has more than 40000000 pixels")


def test_a_bomb_just_over_the_cap_is_rejected_too(uploads: Uploads, task_id: str) -> None:
    # Below Pillow's own warning threshold (MAX_IMAGE_PIXELS, the JPEG cap): the explicit check refuses it.
    data = png_bomb(8_000, 5_001)
    key = slot(uploads, task_id, "image/png", len(data))

    uploads.upload(key, data, "image/png")

    assert_rejected(uploads, key, "The image has more than 40000000 pixels")


def test_a_progressive_jpeg_scan_bomb_is_rejected_from_its_markers(uploads: Uploads, task_id: str) -> None:
    # 1 MP, 500 scans in 31 KB: each scan refines the whole image again (a 4 MP one with 9,000 scans
    # took 31 s to decode). The pixel cap does not see it; counting the scans does, before decoding.
    data = progressive_jpeg((1000, 1000), scans=500)
    key = slot(uploads, task_id, "image/jpeg", len(data))

    uploads.upload(key, data, "image/jpeg")

    assert_rejected(uploads, key, "The JPEG image has more than 100 scans")


def test_an_ordinary_progressive_jpeg_becomes_ready(uploads: Uploads, task_id: str) -> None:
    data = progressive_jpeg((640, 480))
    key = slot(uploads, task_id, "image/jpeg", len(data))

    uploads.upload(key, data, "image/jpeg")

    assert attachment(uploads, key)["status"] == "ready"


def test_a_file_that_only_starts_like_a_pdf_is_rejected(uploads: Uploads, task_id: str) -> None:
    data = b"%PDF-1.7\n<html><script>alert(document.domain)</script></html>\n"
    key = slot(uploads, task_id, "application/pdf", len(data))

    uploads.upload(key, data, "application/pdf")

    assert_rejected(uploads, key, "The file is not a complete PDF: no %%EOF at its end")


def test_a_jpeg_with_html_appended_is_accepted_and_only_ever_downloaded_as_a_jpeg_file(
    uploads: Uploads, tasks_api: TasksApi, task_id: str
) -> None:
    # What the checks promise (docs/attachments.md): the image decodes; bytes after its end are not
    # looked at (phones append videos there). The file is served as uploaded, always as a download.
    data = image_bytes("image/jpeg", (64, 64)) + b"<html><script>alert(document.domain)</script></html>"
    key = slot(uploads, task_id, "image/jpeg", len(data))

    uploads.upload(key, data, "image/jpeg")

    assert attachment(uploads, key)["status"] == "ready"
    shown = tasks_api.get("u1", task_id).body["attachments"][0]
    download = requests.get(shown["url"], timeout=5)
    assert download.content == data
    assert download.headers["Content-Type"] == "image/jpeg"
    assert download.headers["Content-Disposition"] == "attachment; filename*=UTF-8''f"


def test_a_file_over_10_mb_is_rejected_without_downloading_it(
    uploads: Uploads, task_id: str, s3_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    key = slot(uploads, task_id, "application/pdf", 10 * 1024 * 1024)
    uploads.put(key, b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "application/pdf")
    s3_calls.clear()

    uploads.deliver(key)

    gets = [params for name, params in s3_calls if name == "GetObject"]
    assert [params["Range"] for params in gets] == ["bytes=0-31"]  # the first bytes only
    assert_rejected(uploads, key, "The file is larger than 10 MB")


def test_a_file_of_another_size_than_declared_is_rejected(uploads: Uploads, task_id: str) -> None:
    data = image_bytes("image/gif", (50, 50))
    key = slot(uploads, task_id, "image/gif", len(data) + 100)

    uploads.upload(key, data, "image/gif")

    assert_rejected(uploads, key, f"The file is image/gif, {len(data)} bytes; declared image/gif, {len(data) + 100}")


def test_an_empty_file_is_rejected(uploads: Uploads, task_id: str) -> None:
    key = slot(uploads, task_id, "image/png", 1)

    uploads.upload(key, b"", "image/png")

    assert_rejected(uploads, key, "The file is not one of")


# --- delivery: duplicates, orphans, late and odd events ------------------------------------------


def test_a_redelivered_event_changes_nothing(uploads: Uploads, task_id: str) -> None:
    data = image_bytes("image/webp", (300, 300))
    key = slot(uploads, task_id, "image/webp", len(data))
    uploads.upload(key, data, "image/webp")
    item = uploads.task_item("u1", task_id)
    thumbnail = uploads.read(thumbnail_key(key))

    uploads.deliver(key)

    assert uploads.task_item("u1", task_id) == item
    assert uploads.read(key) == data
    assert uploads.read(thumbnail_key(key)) == thumbnail


def test_a_redelivered_event_for_a_rejected_file_changes_nothing(uploads: Uploads, task_id: str) -> None:
    key = slot(uploads, task_id, "image/png", 5)
    etag = uploads.put(key, b"hello", "image/png")
    uploads.deliver(key)
    item = uploads.task_item("u1", task_id)

    uploads.invoke_function("ProcessUploadFunction", s3_event(uploads.bucket, key, etag=etag, size=5))

    assert uploads.task_item("u1", task_id) == item
    assert uploads.listing() == []


def test_an_upload_for_a_deleted_task_is_removed_and_leaves_no_item(
    uploads: Uploads, tasks_api: TasksApi, task_id: str
) -> None:
    data = image_bytes("image/jpeg", (64, 64))
    key = slot(uploads, task_id, "image/jpeg", len(data))
    assert tasks_api.delete("u1", task_id).status == 204

    uploads.upload(key, data, "image/jpeg")

    assert uploads.listing() == []  # neither the file nor its thumbnail
    assert uploads.task_item("u1", task_id) is None  # the conditional write did not recreate the task


# Deleting the task while its upload is processed: nothing of it may remain, whichever way
# process_upload and cleanup_task interleave (the reasoning is in process_upload/app.py). Each test
# runs the deletion, and cleanup_task, at one point inside process_upload.


@dataclass
class TaskDeletion:
    """Deleting the test's task (DeleteTaskFunction), then what the table's stream runs after it."""

    tasks_api: TasksApi
    invoke_function: Invoke
    task_id: str

    def delete(self) -> None:
        assert self.tasks_api.delete("u1", self.task_id).status == 204

    def clean_up(self) -> None:
        records = stream_event(("u1", self.task_id))
        assert self.invoke_function("CleanupTaskFunction", records) == {"batchItemFailures": []}

    def delete_and_clean_up(self) -> None:
        self.delete()
        self.clean_up()


@pytest.fixture
def deletion(tasks_api: TasksApi, invoke_function: Invoke, task_id: str) -> TaskDeletion:
    return TaskDeletion(tasks_api, invoke_function, task_id)


def run_after(monkeypatch: pytest.MonkeyPatch, name: str, action: Callable[[], None]) -> None:
    """Run `action()` right after process_upload's next call of `storage.<name>` returns."""
    real = getattr(storage, name)

    def then_act(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        monkeypatch.setattr(storage, name, real)
        action()
        return result

    monkeypatch.setattr(storage, name, then_act)


@pytest.mark.parametrize("step", ["read_all", "put"], ids=["while-decoding", "after-the-thumbnail-before-the-record"])
def test_a_task_deleted_and_cleaned_up_while_its_upload_is_processed_leaves_nothing(
    uploads: Uploads, deletion: TaskDeletion, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    data = image_bytes("image/png", (64, 64))
    key = slot(uploads, deletion.task_id, "image/png", len(data))
    run_after(monkeypatch, step, deletion.delete_and_clean_up)

    uploads.upload(key, data, "image/png")

    assert uploads.listing() == []
    assert uploads.task_item("u1", deletion.task_id) is None


def test_a_task_deleted_before_the_record_and_cleaned_up_after_it_leaves_nothing(
    uploads: Uploads, deletion: TaskDeletion, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = image_bytes("image/png", (64, 64))
    key = slot(uploads, deletion.task_id, "image/png", len(data))
    run_after(monkeypatch, "put", deletion.delete)

    uploads.upload(key, data, "image/png")
    deletion.clean_up()

    assert uploads.listing() == []


def test_a_task_deleted_after_its_upload_was_recorded_leaves_nothing(uploads: Uploads, deletion: TaskDeletion) -> None:
    data = image_bytes("image/png", (64, 64))
    key = slot(uploads, deletion.task_id, "image/png", len(data))
    uploads.upload(key, data, "image/png")
    assert len(uploads.listing()) == 2  # the file and its thumbnail

    deletion.delete_and_clean_up()

    assert uploads.listing() == []


def test_a_thumbnail_left_by_a_failed_attempt_goes_when_the_retry_finds_its_file_deleted(
    uploads: Uploads, deletion: TaskDeletion
) -> None:
    # An attempt wrote the thumbnail, then failed (a timeout, say) while the task was deleted and
    # cleaned up: the retry finds the file gone, and the thumbnail must not stay behind.
    data = image_bytes("image/png", (64, 64))
    key = slot(uploads, deletion.task_id, "image/png", len(data))
    etag = uploads.put(key, data, "image/png")
    deletion.delete_and_clean_up()
    uploads.put(thumbnail_key(key), b"thumbnail of the failed attempt", "image/jpeg")

    uploads.invoke_function("ProcessUploadFunction", s3_event(uploads.bucket, key, etag=etag, size=len(data)))

    assert uploads.listing() == []


def test_a_thumbnail_is_left_alone_when_its_file_was_replaced_not_deleted(uploads: Uploads, task_id: str) -> None:
    # The newer file's own event owns the thumbnail; the older event must not delete it.
    data = image_bytes("image/png", (20, 20))
    key = slot(uploads, task_id, "image/png", len(data))
    old = uploads.put(key, b"first version", "image/png")
    uploads.upload(key, data, "image/png")

    uploads.deliver(key, etag=old)

    assert uploads.listing() == sorted([key, thumbnail_key(key)])
    assert attachment(uploads, key)["status"] == "ready"


def test_an_upload_for_an_unknown_attachment_is_removed(uploads: Uploads, task_id: str) -> None:
    item = uploads.task_item("u1", task_id)
    key = f"uploads/u1/{task_id}/01JDX3R2B4C6D8E0F2G4H6J8K0"

    uploads.upload(key, MINIMAL_PDF, "application/pdf")

    assert uploads.listing() == []
    assert uploads.task_item("u1", task_id) == item


def test_an_upload_after_expiry_is_removed_and_the_attachment_stays_expired(
    uploads: Uploads, tasks_api: TasksApi, task_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = image_bytes("image/png", (20, 20))
    key = slot(uploads, task_id, "image/png", len(data))
    now = int(time.time())
    monkeypatch.setattr(clock, "now_epoch", lambda: now + 901)

    uploads.upload(key, data, "image/png")

    assert uploads.listing() == []
    assert attachment(uploads, key)["status"] == "pending"
    assert tasks_api.get("u1", task_id).body["attachments"][0]["status"] == "expired"


def test_a_checked_file_replaced_through_the_same_form_is_rejected_and_removed(uploads: Uploads, task_id: str) -> None:
    # A presigned POST can be used again until it expires: the second file was never checked.
    data = image_bytes("image/png", (20, 20))
    key = slot(uploads, task_id, "image/png", len(data))
    uploads.upload(key, data, "image/png")

    uploads.upload(key, b"\x89PNG\r\n\x1a\n" + b"x" * (len(data) - 8), "image/png")

    assert_rejected(uploads, key, "The file was replaced after it was checked")


def test_an_event_for_a_version_since_replaced_is_left_to_the_newer_event(uploads: Uploads, task_id: str) -> None:
    data = image_bytes("image/png", (20, 20))
    key = slot(uploads, task_id, "image/png", len(data))
    old = uploads.put(key, b"first version", "image/png")
    uploads.put(key, data, "image/png")

    uploads.deliver(key, etag=old)

    assert attachment(uploads, key)["status"] == "pending"  # untouched: the newer event decides
    uploads.deliver(key)
    assert attachment(uploads, key)["status"] == "ready"


@pytest.mark.parametrize("moto_style", [True, False], ids=["slash-encoded", "aws-style"])
def test_url_encoded_keys_are_decoded(uploads: Uploads, task_id: str, moto_style: bool) -> None:
    data = MINIMAL_PDF
    key = slot(uploads, task_id, "application/pdf", len(data))
    uploads.put(key, data, "application/pdf")

    uploads.deliver(key, moto_style=moto_style)

    assert attachment(uploads, key)["status"] == "ready"


def test_the_s3_test_event_is_skipped(invoke_function: Invoke, uploads: Uploads) -> None:
    event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-23T12:00:00.000Z",
        "Bucket": uploads.bucket,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }

    assert invoke_function("ProcessUploadFunction", event) is None


def test_keys_we_never_hand_out_are_left_alone(uploads: Uploads) -> None:
    uploads.put("uploads/readme.txt", b"hi", "text/plain")

    uploads.deliver("uploads/readme.txt")

    assert uploads.listing() == ["uploads/readme.txt"]


def test_an_event_for_an_object_already_gone_is_nothing_to_do(uploads: Uploads, task_id: str) -> None:
    key = slot(uploads, task_id, "application/pdf", len(MINIMAL_PDF))
    event = s3_event(uploads.bucket, key, etag="0123456789abcdef0123456789abcdef", size=len(MINIMAL_PDF))

    uploads.invoke_function("ProcessUploadFunction", event)

    assert attachment(uploads, key)["status"] == "pending"


def test_the_sample_event_reaches_the_handler(invoke_function: Invoke, uploads: Uploads) -> None:
    event = sample_event("process_upload")
    event["Records"][0]["s3"]["bucket"]["name"] = uploads.bucket

    assert invoke_function("ProcessUploadFunction", event) is None  # no such object here: nothing to do
