"""S3 ObjectCreated on uploads/: check what arrived, write its thumbnail, record ready or rejected.

Only the uploads/ prefix triggers this function, so its own thumbnails never re-trigger it. Safe
to run twice for one object: the record is a conditional write that lands once, and a file that
no attachment wants (task deleted, attachment expired or already done) is deleted, not kept.

Nothing of a deleted task remains, whichever way this function and cleanup_task (the table's
stream, after the task's item is deleted) interleave. This function writes the thumbnail, then
records the outcome with a write conditional on the task existing; cleanup_task lists the task's
uploads/ and thumbnails/ and deletes what it found.

- The task is deleted after the record landed: cleanup_task runs later still and finds, and
  deletes, the file and its thumbnail (both written before the record).
- The task is deleted before the record: the record finds no task ("orphan") and this function
  deletes the file and thumbnail itself. If the thumbnail was written after cleanup_task listed
  thumbnails/, this is what removes it; if before, cleanup_task did (deleting twice is harmless).
  The file may be gone by the time it is tagged as checked: that is not an error, the record that
  follows will not keep it (no task; or another delivery of this event recorded an outcome that
  deletes it).
- This function fails after writing the thumbnail and before deleting it (a timeout, say), with
  the task deleted: the retry finds the file deleted (cleanup_task ran: the task is gone) and
  deletes the thumbnail. A thumbnail only ever exists next to its file, so when the file is gone
  its thumbnail goes too. (A file replaced by a newer upload is different: that upload's event
  owns the thumbnail, and this event leaves it alone.)

tests/handlers/test_process_upload.py runs cleanup_task at each of these points.
"""

from typing import Any

import upload_checks

from common import attachment_keys, storage, triggers, upload_outcomes
from common.observability import MetricUnit, logger, metrics


@triggers.event_handler
def handler(event: dict[str, Any], context: Any) -> None:
    for upload in triggers.s3_objects(event):
        outcome = process(upload)
        if outcome is not None:
            metrics.add_metric(name=f"Uploads{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)


def process(upload: triggers.S3Object) -> upload_outcomes.Outcome | None:
    """Check one uploaded object and record the result; None when there is nothing to do."""
    ref = attachment_keys.parse_upload_key(upload.key)
    if ref is None:
        logger.warning("Not an attachment key: left alone", extra={"key": upload.key})
        return None
    head = storage.read_head(upload.bucket, upload.key, length=upload_checks.HEAD_BYTES, etag=upload.etag)
    if head is storage.Gone.DELETED:  # so its thumbnail, if a failed earlier attempt wrote one, goes too
        storage.delete(upload.bucket, [ref.thumbnail_key])
    if isinstance(head, storage.Gone):
        logger.info("Object gone or replaced since the event: nothing to do", extra={"key": upload.key})
        return None
    result = upload_checks.check(
        head,
        read_all=lambda: _present(storage.read_all(upload.bucket, upload.key, etag=head.etag)),
        read_tail=lambda length: _present(storage.read_tail(upload.bucket, upload.key, length=length, etag=head.etag)),
        thumbnail_key=ref.thumbnail_key,
    )
    if result is None:
        return None
    checked, thumbnail = result
    # Thumbnail and tag first, then the record: a ready attachment always has both.
    if thumbnail is not None:
        storage.put(upload.bucket, ref.thumbnail_key, thumbnail, content_type=upload_checks.THUMBNAIL_TYPE)
    if checked.reason is None:
        storage.mark_checked(upload.bucket, upload.key)  # if it is gone, the record below finds no task
    outcome = upload_outcomes.record(ref, checked)
    if not outcome.keep:
        storage.delete(upload.bucket, [upload.key, ref.thumbnail_key])
    logger.info("Upload processed", extra={"key": upload.key, "outcome": outcome.status, "reason": checked.reason})
    return outcome


def _present(data: bytes | storage.Gone) -> bytes | None:
    return None if isinstance(data, storage.Gone) else data
