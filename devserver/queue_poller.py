"""An SQS queue into a function, as Lambda's SQS event source mapping does it, on the emulator's queue.

A thread long-polls the queue and gathers a batch: what one receive returns (at most BatchSize),
or, with a MaximumBatchingWindowInSeconds, more receives until the batch is full or the window
has passed since the first message. Up to MaximumConcurrency batches (and never more than the
function's warm workers) run at once. Then, as Lambda does:

- the function returned: its messages are deleted; with ReportBatchItemFailures, all but those
  named in `batchItemFailures` (an identifier that is no message id of the batch, or an empty one,
  fails the whole batch, as in Lambda);
- the function raised or timed out: none is deleted.

A message that is not deleted is received again once the queue's visibility timeout has passed,
and SQS (moto does it too) moves it to the queue's dead-letter queue instead of delivering it once
it has been received `maxReceiveCount` times.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from devkit.local_aws import REGION
from devkit.local_names import queue_arn
from devserver.async_invoke import Invoke, reported_failures
from devserver.delivery_loop import WAIT_SECONDS, DeliveryLoop
from devserver.event_sources import QueueTrigger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

LOG = logging.getLogger(__name__)
RECEIVE_LIMIT = 10  # ReceiveMessage's, per call

type Message = dict[str, Any]


def lambda_record(message: Mapping[str, Any], queue: str) -> dict[str, Any]:
    """A received message as Lambda's SQS event has it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType"),
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn(queue),
        "awsRegion": REGION,
    }


def failed_ids(records: list[dict[str, Any]], payload: Any, *, report_item_failures: bool) -> set[str]:
    """The message ids of a batch that failed, from the function's answer (it returned)."""
    if not report_item_failures:
        return set()
    return reported_failures([record["messageId"] for record in records], payload)


class QueuePoller(DeliveryLoop[list[Message]]):
    """A thread that delivers one queue's messages to one function in batches."""

    def __init__(
        self, trigger: QueueTrigger, *, sqs: SQSClient, invoke: Invoke, stop: threading.Event, concurrency: int
    ) -> None:
        super().__init__(f"sqs-{trigger.function}", stop, min(concurrency, trigger.max_concurrency or concurrency))
        self.trigger = trigger
        self._sqs = sqs
        self._invoke = invoke
        self._url = sqs.get_queue_url(QueueName=trigger.queue)["QueueUrl"]

    def _next(self) -> list[Message] | None:
        """A batch: one receive, or more within the batching window; None when the queue is empty."""
        batch = self._receive(min(RECEIVE_LIMIT, self.trigger.batch_size), WAIT_SECONDS)
        if not batch:
            return None
        if not self.trigger.batching_window:
            return batch
        window_ends = time.monotonic() + self.trigger.batching_window
        while len(batch) < self.trigger.batch_size and time.monotonic() < window_ends and not self._stop.is_set():
            more = self._receive(min(RECEIVE_LIMIT, self.trigger.batch_size - len(batch)), 0)
            if not more:
                self._stop.wait(min(0.1, max(0.0, window_ends - time.monotonic())))
            batch += more
        return batch

    def _receive(self, count: int, wait: int) -> list[Message]:
        try:
            response = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except (BotoCoreError, ClientError) as exc:
            if not self._stop.is_set():
                LOG.warning("%s: could not read queue %s: %s", self.trigger.function, self.trigger.queue_id, exc)
                self._stop.wait(WAIT_SECONDS)
            return []
        return list(response.get("Messages", []))  # type: ignore[arg-type]

    def _deliver(self, batch: list[Message]) -> None:
        try:
            records = [lambda_record(message, self.trigger.queue) for message in batch]
            result = self._invoke(self.trigger.function, {"Records": records})
            if self._stop.is_set():
                return  # the result of a run cut short by the stop is no answer: the messages stay
            if result.function_error is not None:
                failed = {record["messageId"] for record in records}
            else:
                failed = failed_ids(records, result.payload, report_item_failures=self.trigger.report_item_failures)
            self._delete([message for message in batch if message["MessageId"] not in failed])
            if failed:
                self._say_failed([message for message in batch if message["MessageId"] in failed], len(batch))
        except Exception:  # a bug here must not silently stop the deliveries behind it
            LOG.exception("%s: delivering a batch from %s failed", self.trigger.function, self.trigger.queue_id)

    def _delete(self, messages: list[Message]) -> None:
        for start in range(0, len(messages), RECEIVE_LIMIT):
            entries = [
                {"Id": str(number), "ReceiptHandle": message["ReceiptHandle"]}
                for number, message in enumerate(messages[start : start + RECEIVE_LIMIT])
            ]
            self._sqs.delete_message_batch(QueueUrl=self._url, Entries=entries)  # type: ignore[arg-type]

    def _say_failed(self, failed: list[Message], size: int) -> None:
        trigger = self.trigger
        print(
            f"{trigger.function}: {len(failed)} of {size} messages failed; "
            f"back in {trigger.queue_id} after {trigger.visibility_timeout} s",
            flush=True,
        )
        for message in failed:
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0))
            if trigger.max_receives is not None and receives >= trigger.max_receives:
                print(
                    f"{trigger.function}: message {message['MessageId']} failed {receives} receives: "
                    f"SQS moves it to {trigger.dead_letters} instead of delivering it again",
                    flush=True,
                )
