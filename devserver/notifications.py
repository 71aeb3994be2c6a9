"""S3 event notifications into functions, as AWS delivers them: bucket -> queue -> asynchronous invocation.

moto sends a bucket's notifications to SQS (it cannot run a Lambda function), so each function
with S3 events gets a queue in the emulator, standing for Lambda's own queue of asynchronous
events, and the bucket's notification configuration points there with the template's event types
and key filters. A poller long-polls the queue, takes each event off it (Lambda owns the event
from then on) and hands it to the function's `AsyncInvoker` on a small thread pool, so a slow or
retried event does not hold up the next upload.

The `s3:TestEvent` S3 sends when a configuration is set is acknowledged here, never invoked.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from devkit.local_names import queue_arn
from devserver.async_invoke import AsyncInvoker
from devserver.delivery_loop import WAIT_SECONDS, DeliveryLoop
from devserver.event_sources import S3Trigger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

LOG = logging.getLogger(__name__)
QUEUE_PREFIX = "devserver-async-"  # never a template queue's name


def events_queue(function: str) -> str:
    """The emulator queue standing for Lambda's queue of `function`'s asynchronous events."""
    return f"{QUEUE_PREFIX}{function}"


def configure_notifications(s3: S3Client, sqs: SQSClient, triggers: Iterable[S3Trigger]) -> dict[str, str]:
    """Create each function's events queue and set every bucket's notification configuration;
    function name -> queue URL. One configuration per bucket: S3 replaces it as a whole."""
    queues: dict[str, str] = {}
    by_bucket: dict[str, list[dict[str, Any]]] = {}
    for trigger in triggers:
        if trigger.function not in queues:
            queues[trigger.function] = sqs.create_queue(QueueName=events_queue(trigger.function))["QueueUrl"]
        rules = [
            {"Name": name, "Value": value}
            for name, value in (("prefix", trigger.prefix), ("suffix", trigger.suffix))
            if value
        ]
        configuration: dict[str, Any] = {
            "QueueArn": queue_arn(events_queue(trigger.function)),
            "Events": list(trigger.events),
        }
        if rules:
            configuration["Filter"] = {"Key": {"FilterRules": rules}}
        by_bucket.setdefault(trigger.bucket, []).append(configuration)
    for bucket, configurations in by_bucket.items():
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={"QueueConfigurations": configurations},  # type: ignore[typeddict-item]
        )
    return queues


class NotificationPoller(DeliveryLoop[dict[str, Any]]):
    """A thread that moves one function's S3 events from its queue into asynchronous invocations."""

    def __init__(
        self, sqs: SQSClient, queue_url: str, invoker: AsyncInvoker, stop: threading.Event, concurrency: int
    ) -> None:
        super().__init__(f"s3-events-{invoker.function}", stop, concurrency)
        self._sqs = sqs
        self._queue_url = queue_url
        self._invoker = invoker

    def _next(self) -> dict[str, Any] | None:
        """The next event off the queue (deleted from it: Lambda owns it now), or None."""
        message = self._receive()
        if message is None:
            return None
        try:
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            event = json.loads(message["Body"])
        except (BotoCoreError, ClientError, ValueError) as exc:
            LOG.warning("%s: skipped a message of its S3 events queue: %s", self._invoker.function, exc)
            return None
        if not isinstance(event, dict) or event.get("Event") == "s3:TestEvent":
            return None  # the test event S3 sends when a configuration is set: AWS never invokes a function with it
        return event

    def _receive(self) -> dict[str, Any] | None:
        try:
            response = self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=WAIT_SECONDS
            )
        except (BotoCoreError, ClientError) as exc:
            if not self._stop.is_set():
                LOG.warning("%s: could not read its S3 events queue: %s", self._invoker.function, exc)
                self._stop.wait(WAIT_SECONDS)
            return None
        messages: list[dict[str, Any]] = list(response.get("Messages", []))  # type: ignore[arg-type]
        return messages[0] if messages else None

    def _deliver(self, event: dict[str, Any]) -> None:
        try:
            self._invoker.deliver(event)
        except Exception:  # a bug here must not silently stop the deliveries behind it
            LOG.exception("%s: delivering an S3 event failed", self._invoker.function)
