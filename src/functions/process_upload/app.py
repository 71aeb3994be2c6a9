"""S3 ObjectCreated on uploads/: check what arrived, write its thumbnail, record ready or rejected.

Only the uploads/ prefix triggers this function, so its own thumbnails never re-trigger it. Safe
to run twice for one object: the record is a conditional write that lands once, and a file that
no attachment wants (task deleted, attachment expired or already done) is deleted, not kept.
"""

from typing import Any

import upload_checks

from common import attachments, storage, triggers
from common.observability import MetricUnit, logger, metrics


@triggers.event_handler
def handler(event: dict[str, Any], context: Any) -> None:
    for upload in triggers.s3_objects(event):
        outcome = process(upload)
        if outcome is not None:
            metrics.add_metric(name=f"Uploads{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)


def process(upload: triggers.S3Object) -> attachments.Outcome | None:
    """Check one uploaded object and record the result; None when there is nothing to do."""
    ref = attachments.parse_upload_key(upload.key)
    if ref is None:
        logger.warning("Not an attachment key: left alone", extra={"key": upload.key})
        return None
    head = storage.read_head(upload.bucket, upload.key, length=upload_checks.HEAD_BYTES, etag=upload.etag)
    if head is None:
        logger.info("Object gone or replaced since the event: nothing to do", extra={"key": upload.key})
        return None
    result = upload_checks.check(
        head,
        read_all=lambda: storage.read_all(upload.bucket, upload.key, etag=head.etag),
        thumbnail_key=ref.thumbnail_key,
    )
    if result is None:
        return None
    checked, thumbnail = result
    # Thumbnail and tag first, then the record: a ready attachment always has both.
    if thumbnail is not None:
        storage.put(upload.bucket, ref.thumbnail_key, thumbnail, content_type=upload_checks.THUMBNAIL_TYPE)
    if checked.reason is None:
        storage.mark_checked(upload.bucket, upload.key)
    outcome = attachments.record(ref, checked)
    if not outcome.keep:
        storage.delete(upload.bucket, [upload.key, ref.thumbnail_key])
    logger.info("Upload processed", extra={"key": upload.key, "outcome": outcome.status, "reason": checked.reason})
    return outcome
