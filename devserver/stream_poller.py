"""A DynamoDB stream into a function, as Lambda's event source mapping does it, on the emulator's stream.

One thread per mapping reads the table's stream (moto keeps one shard per table) right after each
write to its table the emulator serves (devserver/writes.py), drops the records the mapping's filter
rejects, and invokes the function with batches of at most `BatchSize` records, in order:

- the function raised (or timed out): the whole batch failed; with `BisectBatchOnFunctionError`
  it is split in two and each half tried on its own (splitting costs no retry, as in Lambda);
- with `ReportBatchItemFailures`, `{"batchItemFailures": [{"itemIdentifier": seq}]}` retries from
  the first failed record (records before it are done); an identifier not in the batch fails it all;
- after `MaximumRetryAttempts` retries (-1: forever) the records go to the on-failure queue as
  Lambda's `DDBStreamBatchInfo` record, or are dropped with a console line, and the shard moves on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devkit.local_names import function_arn
from devserver.async_invoke import RETRY_PAUSE_SECONDS, Invoke, SendMessage, reported_failures
from devserver.event_filter import passes
from devserver.event_sources import StreamTrigger
from devserver.writes import Writes

LOG = logging.getLogger(__name__)
STOP_CHECK_SECONDS = 0.5  # how soon a waiting poller notices a stop request
# A read now and then even without a write: a safety net only (every read costs moto ~2 KB for good).
IDLE_READ_SECONDS = 5.0
MAX_RETRY_PAUSE_SECONDS = 5.0

type Record = dict[str, Any]


@dataclass(frozen=True)
class _Attempt:
    failed_from: int | None  # index of the first record to retry; None: the batch succeeded
    function_error: bool = False


class StreamPoller:
    """Feeds one table's stream to one function; `open()` at start-up, then `start()`."""

    def __init__(
        self,
        trigger: StreamTrigger,
        *,
        streams: Any,  # boto3's dynamodbstreams client (no type stubs installed)
        invoke: Invoke,
        send: SendMessage,
        writes: Writes,
        stop: threading.Event,
    ) -> None:
        self.trigger = trigger
        self._streams = streams
        self._invoke = invoke
        self._send = send
        self._writes = writes
        self._stop = stop
        self._stream_arn = ""
        self._iterator: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"stream-{trigger.function}", daemon=True)

    def open(self) -> None:
        """Position on the stream now (`StartingPosition`), so no write after start-up is missed."""
        (stream,) = self._streams.list_streams(TableName=self.trigger.table)["Streams"]  # the table's latest
        self._stream_arn = stream["StreamArn"]
        shards = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]["Shards"]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=self._stream_arn,
            ShardId=shards[0]["ShardId"],
            ShardIteratorType=self.trigger.starting_position,
        )["ShardIterator"]

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            seen = self._writes.count(self.trigger.table)  # before reading: a write during the read is not missed
            try:
                if self._read_once():
                    continue  # there may be more: drain before waiting
            except Exception:  # a bug here must not silently end the deliveries: say so, and go on
                LOG.exception("%s: reading the %s stream failed", self.trigger.function, self.trigger.table)
            idle_until = time.monotonic() + IDLE_READ_SECONDS
            while (
                not self._stop.is_set()
                and self._writes.wait(self.trigger.table, seen, STOP_CHECK_SECONDS) == seen
                and time.monotonic() < idle_until
            ):
                pass

    def _read_once(self) -> bool:
        """Read and deliver one batch; True if the stream had records."""
        try:
            response = self._streams.get_records(ShardIterator=self._iterator, Limit=self.trigger.batch_size)
        except (BotoCoreError, ClientError) as exc:
            if not self._stop.is_set():
                LOG.warning("%s: could not read the %s stream: %s", self.trigger.function, self.trigger.table, exc)
                self._stop.wait(STOP_CHECK_SECONDS)
            return False
        records = response.get("Records", [])
        batch = [_lambda_record(record, self._stream_arn) for record in records]
        batch = [record for record in batch if passes(self.trigger.filters, record)]
        if batch:
            self._deliver(batch)
        if not self._stop.is_set():
            self._iterator = response.get("NextShardIterator", self._iterator)  # checkpoint: the batch is done
        return bool(records)

    def _deliver(self, batch: list[Record]) -> None:
        pending: list[tuple[list[Record], int]] = [(batch, 0)]  # (records, retries so far)
        while pending and not self._stop.is_set():
            records, retries = pending.pop(0)
            attempt = self._attempt(records)
            if attempt.failed_from is None:
                continue
            if attempt.function_error and self.trigger.bisect_on_error and len(records) > 1:
                middle = len(records) // 2
                pending[:0] = [(records[:middle], retries), (records[middle:], retries)]
                continue
            records = records[attempt.failed_from :]
            if 0 <= self.trigger.max_retries <= retries:
                self._give_up(records, retries + 1, attempt.function_error)
                continue
            pause = min(RETRY_PAUSE_SECONDS * 2**retries, MAX_RETRY_PAUSE_SECONDS)
            print(
                f"{self.trigger.function}: stream batch failed from sequence number "
                f"{_sequence(records[0])} ({len(records)} records); retry {retries + 1} in {pause:g} s",
                flush=True,
            )
            if self._stop.wait(pause):
                return
            pending.insert(0, (records, retries + 1))

    def _attempt(self, records: list[Record]) -> _Attempt:
        result = self._invoke(self.trigger.function, {"Records": records})
        if result.function_error is not None:
            return _Attempt(0, function_error=True)
        if not self.trigger.report_item_failures:
            return _Attempt(None)
        sequences = [_sequence(record) for record in records]
        failed = reported_failures(sequences, result.payload)  # an unknown identifier: all of them, so index 0
        return _Attempt(min(map(sequences.index, failed)) if failed else None)

    def _give_up(self, records: list[Record], attempts: int, function_error: bool) -> None:
        destination = self.trigger.on_failure
        first, last = _sequence(records[0]), _sequence(records[-1])
        if destination is None:
            print(
                f"{self.trigger.function}: dropped stream records {first}..{last} after {attempts} attempts",
                flush=True,
            )
            return
        self._send(destination.queue_name, json.dumps(self._failure_record(records, attempts, function_error)))
        print(
            f"{self.trigger.function}: stream records {first}..{last} sent to {destination.logical_id} "
            f"after {attempts} attempts",
            flush=True,
        )

    def _failure_record(self, records: list[Record], attempts: int, function_error: bool) -> dict[str, Any]:
        """Lambda's on-failure record for a stream batch: where the records are, not the records."""
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if function_error:
            response_context["functionError"] = "Unhandled"
        arrivals = [record["dynamodb"].get("ApproximateCreationDateTime", 0) for record in records]
        return {
            "requestContext": {
                "requestId": records[0].get("eventID", ""),
                "functionArn": function_arn(self.trigger.function),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": _iso(time.time(), milliseconds=True),
            "DDBStreamBatchInfo": {
                "shardId": "shardId-local",
                "startSequenceNumber": _sequence(records[0]),
                "endSequenceNumber": _sequence(records[-1]),
                "approximateArrivalOfFirstRecord": _iso(min(arrivals)),
                "approximateArrivalOfLastRecord": _iso(max(arrivals)),
                "batchSize": len(records),
                "streamArn": self._stream_arn,
            },
        }


def _lambda_record(record: Mapping[str, Any], stream_arn: str) -> Record:
    """A GetRecords record as Lambda passes it: the stream's ARN added, the creation time in epoch seconds."""
    dynamodb = dict(record.get("dynamodb", {}))
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):  # botocore parses it; Lambda's event has a number
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def _sequence(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _iso(epoch: float, *, milliseconds: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace("+00:00", "Z")
