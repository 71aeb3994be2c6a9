"""An SQS queue into a function as Lambda's event source mapping delivers it: batches, partial batch
failures, failed messages back after the visibility timeout, and redrive to the dead-letter queue
(on the emulator's SQS, visibility timeouts of a second; the function is a stand-in that answers as
told)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from devkit.emulator import Emulator
from devkit.local_names import queue_arn
from devserver.async_invoke import Result
from devserver.event_sources import QueueTrigger
from devserver.queue_poller import QueuePoller, failed_ids, lambda_record

QUEUE, DEAD = "test-work", "test-dead"


class Function:
    """Records each batch it gets (by body) and answers with `answer(records)`."""

    def __init__(self, answer: Callable[[list[dict[str, Any]]], Result]) -> None:
        self.answer = answer
        self.batches: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, function: str, event: Mapping[str, Any]) -> Result:
        with self.lock:
            self.batches.append([record["body"] for record in event["Records"]])
        return self.answer(event["Records"])

    def bodies(self) -> list[str]:
        with self.lock:
            return [body for batch in self.batches for body in batch]


def trigger(**changes: Any) -> QueueTrigger:
    settings: dict[str, Any] = {
        "function": "WorkerFunction",
        "queue_id": "WorkQueue",
        "queue": QUEUE,
        "batch_size": 10,
        "batching_window": 0.0,
        "report_item_failures": True,
        "max_concurrency": 2,
        "visibility_timeout": 1,
        "max_receives": 2,
        "dead_letters": "DeadQueue",
    }
    return QueueTrigger(**{**settings, **changes})


@pytest.fixture
def queues(emulator: Emulator) -> Iterator[tuple[str, str]]:
    """A work queue (visibility 1 s, two receives) and its dead-letter queue; their URLs."""
    sqs = emulator.sqs()
    dead = sqs.create_queue(QueueName=DEAD)["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": queue_arn(DEAD), "maxReceiveCount": 2})
    work = sqs.create_queue(QueueName=QUEUE, Attributes={"VisibilityTimeout": "1", "RedrivePolicy": policy})["QueueUrl"]
    yield work, dead
    sqs.delete_queue(QueueUrl=work)
    sqs.delete_queue(QueueUrl=dead)


def run_until(emulator: Emulator, function: Function, done: Callable[[], bool], **changes: Any) -> None:
    stop = threading.Event()
    poller = QueuePoller(trigger(**changes), sqs=emulator.sqs(), invoke=function, stop=stop, concurrency=4)
    poller.start()
    try:
        deadline = time.monotonic() + 10
        while not done():
            assert time.monotonic() < deadline, function.batches
            time.sleep(0.05)
    finally:
        stop.set()
        poller.join(5)


def send(emulator: Emulator, url: str, *bodies: str) -> None:
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies[start : start + 10])]
        emulator.sqs().send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]


def count(emulator: Emulator, url: str) -> int:
    attributes = emulator.sqs().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_a_failed_message_comes_back_alone_and_after_two_receives_goes_to_the_dead_letters(
    emulator: Emulator, queues: tuple[str, str]
) -> None:
    work, dead = queues
    send(emulator, work, "ok-1", "poison", "ok-2", "ok-3", "ok-4")

    def answer(records: list[dict[str, Any]]) -> Result:
        failed = [{"itemIdentifier": r["messageId"]} for r in records if r["body"] == "poison"]
        return Result({"batchItemFailures": failed})

    function = Function(answer)
    run_until(emulator, function, lambda: count(emulator, dead) == 1, batch_size=2, batching_window=0.2)

    assert sorted(function.bodies()) == [
        "ok-1",
        "ok-2",
        "ok-3",
        "ok-4",
        "poison",
        "poison",
    ]  # two receives, then redriven
    assert count(emulator, work) == 0  # the others were deleted after their one delivery
    assert max(len(batch) for batch in function.batches) <= 2  # BatchSize, also with a batching window


def test_a_function_error_leaves_the_whole_batch_for_another_receive(
    emulator: Emulator, queues: tuple[str, str]
) -> None:
    work, _ = queues
    send(emulator, work, "a", "b")
    answers = iter([Result({"errorType": "Boom"}, "Unhandled")])

    def answer(records: list[dict[str, Any]]) -> Result:
        return next(answers, Result({"batchItemFailures": []}))

    function = Function(answer)
    run_until(emulator, function, lambda: count(emulator, work) == 0 and len(function.bodies()) >= 4)

    assert sorted(function.bodies()) == ["a", "a", "b", "b"]


def records(*ids: str) -> list[dict[str, Any]]:
    return [{"messageId": message_id} for message_id in ids]


@pytest.mark.parametrize(
    ("payload", "failed"),
    [
        ({"batchItemFailures": []}, set()),
        (None, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "x"}]}, {"a", "b"}),  # not in the batch: all of it failed
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, {"a", "b"}),
    ],
)
def test_what_lambda_makes_of_a_batch_response(payload: Any, failed: set[str]) -> None:
    assert failed_ids(records("a", "b"), payload, report_item_failures=True) == failed


def test_without_report_item_failures_a_returned_batch_succeeded() -> None:
    payload = {"batchItemFailures": [{"itemIdentifier": "b"}]}

    assert failed_ids(records("a", "b"), payload, report_item_failures=False) == set()


def test_a_record_is_in_lambdas_shape() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"kind": {"StringValue": "x", "DataType": "String"}},
    }

    record = lambda_record(message, "ReminderQueue")

    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:ReminderQueue"
    assert (record["messageId"], record["receiptHandle"], record["body"]) == ("m1", "r1", "{}")
    assert record["attributes"] == {"ApproximateReceiveCount": "1"}
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"
