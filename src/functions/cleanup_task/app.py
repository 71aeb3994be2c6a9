"""Tasks table stream, REMOVE records only (the event source's filter): delete the task's files.

Each record is one deleted task; its uploads and thumbnails are listed by prefix and deleted in
batches. A record that fails is reported alone (ReportBatchItemFailures), so the rest of the batch
is not redone and, after the retries, only that record goes to the failure queue.
"""

from typing import Any

from common import attachment_keys, dynamo, storage, triggers
from common.observability import logger


@triggers.event_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    return triggers.batch_item_failures(
        event.get("Records") or [], delete_task_files, identifier=lambda record: record["dynamodb"]["SequenceNumber"]
    )


def delete_task_files(record: dict[str, Any]) -> None:
    if record.get("eventName") != "REMOVE":  # the filter sends only these; a hand-made event may not
        return
    keys = dynamo.from_item(record["dynamodb"]["Keys"])
    for prefix in attachment_keys.task_prefixes(keys["user_id"], keys["task_id"]):
        deleted = storage.delete_prefix(storage.bucket(), prefix)
        logger.info("Deleted a task's objects", extra={"prefix": prefix, "objects": deleted})
