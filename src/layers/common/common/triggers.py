"""Handlers for events that are not HTTP requests: S3 notifications, DynamoDB stream and SQS
batches, and the schedule's events.

`event_handler` gives them what `http.api_handler` gives API routes, minus the error mapping:
structured logs with the Lambda context, cold start and metrics. An exception is not turned into
a response here: it fails the invocation (or, through `batch_item_failures`, one record), and what
follows is the event source's, as the template sets it: S3's event is retried, then goes to the
failure queue; a stream record is retried, then goes there too; an SQS message is delivered again
after its visibility timeout, then goes to its dead-letter queue (each of those queues has an
alarm); a scheduled run is not retried (the next one is a minute away), and its failure shows in
the reminder functions' Errors alarm.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

from common.observability import logger, metrics

type Handler[R] = Callable[[dict[str, Any], Any], R]


def event_handler[R](handler: Handler[R]) -> Handler[R]:
    """Wrap a Lambda handler for a non-HTTP event: logger context (state cleared per invocation)
    and metrics flushed after every call; exceptions propagate."""
    instrumented = logger.inject_lambda_context(clear_state=True)(metrics.log_metrics(handler))
    return functools.wraps(handler)(instrumented)


class S3Object(NamedTuple):
    """One object an S3 `ObjectCreated` notification is about."""

    bucket: str
    key: str  # decoded: S3 sends keys URL-encoded ("+" for space; moto even encodes "/")
    etag: str | None  # the version the event is about: a later upload to the same key has another
    size: int


def s3_objects(event: Mapping[str, Any]) -> Iterator[S3Object]:
    """The created objects an S3 notification names. The `s3:TestEvent` S3 sends when a
    notification is configured has no `Records`, and yields nothing."""
    if event.get("Event") == "s3:TestEvent":
        logger.info("Skipping the S3 test event")
        return
    for record in event.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            logger.warning("Skipping a record that is not ObjectCreated", extra={"eventName": record.get("eventName")})
            continue
        s3 = record["s3"]
        yield S3Object(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(s3["object"]["key"]),
            etag=s3["object"].get("eTag") or None,
            size=int(s3["object"].get("size", 0)),
        )


type Record = dict[str, Any]


def batch_item_failures(
    records: list[Record], process: Callable[[Record], None], *, identifier: Callable[[Record], str]
) -> dict[str, list[dict[str, str]]]:
    """Run `process` on every record and report the ones that raised (`ReportBatchItemFailures`),
    so one bad record does not fail the records that went well. What happens to a reported one is
    the event source's: a stream retries from the first failed record (then sends a record that
    keeps failing to the on-failure destination, instead of blocking the shard); SQS delivers only
    the failed messages again (then moves one that keeps failing to the dead-letter queue)."""
    failures = []
    for record in records:
        try:
            process(record)
        except Exception:
            logger.exception("Record failed", extra={"itemIdentifier": identifier(record)})
            failures.append({"itemIdentifier": identifier(record)})
    return {"batchItemFailures": failures}
