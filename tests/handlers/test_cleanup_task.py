"""The Tasks table stream (REMOVE records), through CleanupTaskFunction: a deleted task's files go."""

from __future__ import annotations

import pytest

from common import storage
from devkit.events import sample_event, stream_event
from tests.conftest import Invoke
from tests.support.tasks_api import TasksApi
from tests.support.uploads import MINIMAL_PDF, Uploads, image_bytes

OTHER_TASK = "01JDX3Q8V2M7Z5K9N4R6T8W0YB"


def attach(uploads: Uploads, user_id: str, task_id: str, *, image: bool = True) -> str:
    """A processed attachment on the task (with a thumbnail when `image`); its upload key."""
    data = image_bytes("image/png", (30, 30)) if image else MINIMAL_PDF
    content_type = "image/png" if image else "application/pdf"
    _, body = uploads.request(user_id, task_id, {"filename": "f", "content_type": content_type, "size": len(data)})
    key: str = body["upload"]["fields"]["key"]
    uploads.upload(key, data, content_type)
    return key


def test_a_deleted_tasks_uploads_and_thumbnails_are_deleted_and_nothing_else(
    invoke_function: Invoke, uploads: Uploads, tasks_api: TasksApi
) -> None:
    doomed = tasks_api.create("u1", {"title": "doomed"}).body["task_id"]
    kept = tasks_api.create("u1", {"title": "kept"}).body["task_id"]
    neighbour = tasks_api.create("u10", {"title": "another user"}).body["task_id"]
    for task_id, user_id in ((doomed, "u1"), (doomed, "u1"), (kept, "u1"), (neighbour, "u10")):
        attach(uploads, user_id, task_id)
    uploads.put(f"uploads/u1/{doomed}/01JDX3R2B4C6D8E0F2G4H6J8K0", b"never processed", "image/png")
    survivors = [key for key in uploads.listing() if doomed not in key]
    assert tasks_api.delete("u1", doomed).status == 204

    result = invoke_function("CleanupTaskFunction", stream_event(("u1", doomed)))

    assert result == {"batchItemFailures": []}
    assert uploads.listing() == survivors
    assert len(survivors) == 4  # two tasks' file and thumbnail each


def test_a_task_without_files_is_fine(invoke_function: Invoke, uploads: Uploads) -> None:
    assert invoke_function("CleanupTaskFunction", stream_event(("u1", OTHER_TASK))) == {"batchItemFailures": []}


def test_many_objects_are_deleted_in_batches(
    invoke_function: Invoke, uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "_DELETE_BATCH", 2)  # DeleteObjects takes 1000 keys: pretend it takes 2
    for number in range(5):
        uploads.put(f"uploads/u1/{OTHER_TASK}/01JDX3R2B4C6D8E0F2G4H6J8K{number}", b"x", "image/png")

    invoke_function("CleanupTaskFunction", stream_event(("u1", OTHER_TASK)))

    assert uploads.listing() == []


def test_one_bad_record_is_reported_alone_and_the_rest_are_done(invoke_function: Invoke, uploads: Uploads) -> None:
    first = "01JDX3Q8V2M7Z5K9N4R6T8W0Y1"
    uploads.put(f"uploads/u1/{first}/01JDX3R2B4C6D8E0F2G4H6J8K0", b"x", "image/png")
    uploads.put(f"uploads/u1/{OTHER_TASK}/01JDX3R2B4C6D8E0F2G4H6J8K0", b"x", "image/png")
    # The middle record's ids would widen the prefix to all of u1's files: it must fail, not run.
    event = stream_event(("u1", first), ("u1", ""), ("u1", OTHER_TASK))

    result = invoke_function("CleanupTaskFunction", event)

    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert uploads.listing() == []


def test_an_s3_failure_fails_only_that_record(
    invoke_function: Invoke, uploads: Uploads, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = "01JDX3Q8V2M7Z5K9N4R6T8W0Y1"
    uploads.put(f"thumbnails/u1/{first}/01JDX3R2B4C6D8E0F2G4H6J8K0.jpg", b"x", "image/jpeg")
    real_delete_prefix = storage.delete_prefix

    def flaky(bucket: str, prefix: str) -> int:
        if OTHER_TASK in prefix:
            raise RuntimeError("SlowDown")
        return real_delete_prefix(bucket, prefix)

    monkeypatch.setattr(storage, "delete_prefix", flaky)

    result = invoke_function("CleanupTaskFunction", stream_event(("u1", OTHER_TASK), ("u1", first)))

    assert result == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert uploads.listing() == []


@pytest.mark.parametrize("event_name", ["INSERT", "MODIFY"])
def test_records_other_than_remove_are_ignored(invoke_function: Invoke, uploads: Uploads, event_name: str) -> None:
    key = f"uploads/u1/{OTHER_TASK}/01JDX3R2B4C6D8E0F2G4H6J8K0"
    uploads.put(key, b"x", "image/png")

    result = invoke_function("CleanupTaskFunction", stream_event(("u1", OTHER_TASK), event_name=event_name))

    assert result == {"batchItemFailures": []}
    assert uploads.listing() == [key]


def test_the_sample_event_runs(invoke_function: Invoke, uploads: Uploads) -> None:
    assert invoke_function("CleanupTaskFunction", sample_event("cleanup_task")) == {"batchItemFailures": []}
