"""A DynamoDB stream into a function as Lambda's event source mapping delivers it: filter, batches, retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from devserver import stream_poller
from devserver.async_invoke import Result
from devserver.event_sources import Destination, StreamTrigger
from devserver.stream_poller import StreamPoller
from devserver.writes import Writes

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/TasksTable/stream/label"


def record(sequence: int, event_name: str = "REMOVE") -> dict[str, Any]:
    return {
        "eventID": f"e{sequence}",
        "eventName": event_name,
        "dynamodb": {
            "Keys": {"task_id": {"S": f"t{sequence}"}},
            "SequenceNumber": str(sequence),
            "ApproximateCreationDateTime": datetime(2024, 1, 1, tzinfo=UTC),
        },
    }


class FakeStreams:
    """One shard holding `records`; GetRecords hands them out `Limit` at a time, as moto does."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        return {"Records": self.records[start : start + Limit], "NextShardIterator": str(start + Limit)}


class Function:
    """Records each batch it gets (by sequence number) and answers with `answer(sequences)`."""

    def __init__(self, answer: Callable[[list[str]], Result]) -> None:
        self.answer = answer
        self.batches: list[list[str]] = []

    def __call__(self, function: str, event: Mapping[str, Any]) -> Result:
        sequences = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(sequences)
        return self.answer(sequences)


def trigger(**changes: Any) -> StreamTrigger:
    settings: dict[str, Any] = {
        "function": "CleanupTaskFunction",
        "table_id": "TasksTable",
        "table": "TasksTable",
        "starting_position": "TRIM_HORIZON",
        "batch_size": 10,
        "filters": ({"eventName": ["REMOVE"]},),
        "report_item_failures": True,
        "bisect_on_error": False,
        "max_retries": 2,
        "on_failure": Destination("UploadFailuresQueue", "UploadFailuresQueue"),
    }
    return StreamTrigger(**{**settings, **changes})


def run(records: list[dict[str, Any]], function: Function, **changes: Any) -> list[tuple[str, dict[str, Any]]]:
    """Read the stream once through a poller; the messages it sent to queues."""
    sent: list[tuple[str, dict[str, Any]]] = []
    poller = StreamPoller(
        trigger(**changes),
        streams=FakeStreams(records),
        invoke=function,
        send=lambda queue, body: sent.append((queue, json.loads(body))),
        writes=Writes(lambda environ, start_response: []),
        stop=threading.Event(),
    )
    poller._stream_arn, poller._iterator = STREAM_ARN, "0"
    poller._read_once()
    return sent


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_poller, "RETRY_PAUSE_SECONDS", 0.0)


def ok(_: list[str]) -> Result:
    return Result(None)


def test_only_records_the_filter_lets_through_are_delivered_as_lambda_records() -> None:
    events: list[Mapping[str, Any]] = []

    def capture(function: str, event: Mapping[str, Any]) -> Result:
        events.append(event)
        return Result({"batchItemFailures": []})

    run([record(1), record(2, "INSERT"), record(3)], Function(ok), report_item_failures=False)
    sent = run([record(1), record(2, "INSERT"), record(3)], capture)  # type: ignore[arg-type]

    assert sent == []
    ((first, second),) = [event["Records"] for event in events]
    assert (first["eventName"], second["eventName"]) == ("REMOVE", "REMOVE")
    assert first["eventSourceARN"] == STREAM_ARN
    assert first["dynamodb"]["ApproximateCreationDateTime"] == 1704067200  # epoch seconds, as in Lambda


def test_a_reported_item_failure_retries_from_that_record_only() -> None:
    attempts = iter([Result({"batchItemFailures": [{"itemIdentifier": "2"}]}), Result({"batchItemFailures": []})])
    function = Function(lambda _: next(attempts))

    sent = run([record(1), record(2), record(3)], function)

    assert function.batches == [["1", "2", "3"], ["2", "3"]]
    assert sent == []


def test_an_identifier_not_in_the_batch_fails_the_whole_batch() -> None:
    attempts = iter([Result({"batchItemFailures": [{"itemIdentifier": ""}]}), Result(None)])
    function = Function(lambda _: next(attempts))

    run([record(1), record(2)], function)

    assert function.batches == [["1", "2"], ["1", "2"]]


def test_a_record_that_keeps_failing_goes_to_the_destination_after_its_retries() -> None:
    function = Function(lambda seqs: Result({"batchItemFailures": [{"itemIdentifier": "3"}]} if "3" in seqs else None))

    sent = run([record(1), record(3), record(5)], function)

    assert function.batches == [["1", "3", "5"], ["3", "5"], ["3", "5"]]  # the first attempt, then 2 retries
    ((queue, failure),) = sent
    assert queue == "UploadFailuresQueue"
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert "functionError" not in failure["responseContext"]  # the function ran; it reported failures
    batch = failure["DDBStreamBatchInfo"]
    assert (batch["startSequenceNumber"], batch["endSequenceNumber"], batch["batchSize"]) == ("3", "5", 2)
    assert batch["streamArn"] == STREAM_ARN


def test_a_function_error_bisects_the_batch_when_the_mapping_says_so() -> None:
    function = Function(lambda seqs: Result({"errorMessage": "boom"}, "Unhandled") if "2" in seqs else Result(None))

    sent = run([record(1), record(2), record(3), record(4)], function, bisect_on_error=True, max_retries=1)

    assert function.batches == [["1", "2", "3", "4"], ["1", "2"], ["1"], ["2"], ["2"], ["3", "4"]]
    ((_, failure),) = sent
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == "2"


def test_without_a_destination_the_records_are_dropped_with_a_console_line(capsys: pytest.CaptureFixture[str]) -> None:
    function = Function(lambda _: Result({"errorMessage": "boom"}, "Unhandled"))

    sent = run([record(7)], function, on_failure=None, max_retries=0)

    assert (function.batches, sent) == ([["7"]], [])
    assert "CleanupTaskFunction: dropped stream records 7..7 after 1 attempts" in capsys.readouterr().out


def test_batches_are_at_most_the_batch_size() -> None:
    function = Function(ok)

    run([record(n) for n in range(1, 6)], function, batch_size=2)

    assert function.batches == [["1", "2"]]  # one read: the next batch comes with the next read
