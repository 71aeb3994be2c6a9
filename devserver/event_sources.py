"""The template's non-HTTP triggers, as the local stack wires them: S3 notifications, DynamoDB
streams, schedules (EventBridge rules with a rate) and SQS queues.

Read from each `AWS::Serverless::Function`'s `Events` and `EventInvokeConfig` after SAM has resolved
parameters and intrinsics (devkit/stack.py), with every reference turned into the name the
emulator gave that resource (devkit/local_names.py). What the local stack cannot emulate is
listed in `EventSources.skipped`, for the console, instead of being half-wired.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.local_names import bucket_name, queue_name, referenced_id, table_name
from devkit.stack import Stack
from devserver.event_filter import Pattern, describe, parse_filter_criteria

# Lambda's defaults: async events are retried twice; a stream batch until its records expire (-1).
DEFAULT_ASYNC_RETRIES = 2
DEFAULT_STREAM_RETRIES = -1
DEFAULT_DYNAMODB_BATCH_SIZE = 100
DEFAULT_SQS_BATCH_SIZE = 10
DEFAULT_VISIBILITY_TIMEOUT = 30  # SQS's, for a queue that does not set one
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Destination:
    """An SQS queue of the template, in the emulator."""

    logical_id: str
    queue_name: str


@dataclass(frozen=True)
class AsyncConfig:
    """A function's `EventInvokeConfig`: how Lambda retries an asynchronous event, and where it goes after."""

    max_retries: int = DEFAULT_ASYNC_RETRIES
    on_failure: Destination | None = None
    on_success: Destination | None = None

    def summary(self) -> str:
        failures = f", failures → {self.on_failure.logical_id}" if self.on_failure else ", failures dropped"
        return f"async, {self.max_retries} {'retry' if self.max_retries == 1 else 'retries'}{failures}"


@dataclass(frozen=True)
class S3Trigger:
    """One `Type: S3` event: objects created (or ...) in a bucket, under a prefix, ending in a suffix."""

    function: str
    bucket_id: str
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""
    invoke: AsyncConfig = field(default_factory=AsyncConfig)

    def summary(self) -> str:
        kinds = ", ".join(event.removeprefix("s3:").removesuffix(":*") for event in self.events)
        keys = f"{self.prefix}*{self.suffix}" if self.suffix else self.prefix or "*"
        return f"S3 {self.bucket_id} {keys} {kinds} → {self.function} ({self.invoke.summary()})"


@dataclass(frozen=True)
class StreamTrigger:
    """One `Type: DynamoDB` event source mapping: a table's stream, filtered and batched, into a function."""

    function: str
    table_id: str
    table: str
    starting_position: str
    batch_size: int
    filters: tuple[Pattern, ...]
    report_item_failures: bool
    bisect_on_error: bool
    max_retries: int  # -1: until the records expire, as in Lambda
    on_failure: Destination | None

    def summary(self) -> str:
        retries = "retried until they expire" if self.max_retries < 0 else f"{self.max_retries} retries"
        failures = f"failures → {self.on_failure.logical_id}" if self.on_failure else "failures dropped"
        return (
            f"{self.table_id} stream {describe(self.filters)} → {self.function} "
            f"(batches of {self.batch_size}, {retries}, {failures})"
        )


@dataclass(frozen=True)
class ScheduleTrigger:
    """One `Type: Schedule` event: an EventBridge rule that invokes the function asynchronously at a rate."""

    function: str
    rule: str  # the rule's name, as SAM names it: function and event id
    expression: str  # "rate(1 minute)"
    period: int  # seconds
    event_input: Any = None  # the rule's `Input`: the event instead of EventBridge's scheduled event
    invoke: AsyncConfig = field(default_factory=AsyncConfig)

    def summary(self) -> str:
        return f"Schedule {self.expression} → {self.function} ({self.invoke.summary()})"


@dataclass(frozen=True)
class QueueTrigger:
    """One `Type: SQS` event source mapping: a queue's messages, in batches, into the function."""

    function: str
    queue_id: str
    queue: str
    batch_size: int
    batching_window: float  # seconds: MaximumBatchingWindowInSeconds
    report_item_failures: bool
    max_concurrency: int | None  # ScalingConfig.MaximumConcurrency
    visibility_timeout: int  # the queue's: a failed message is received again after it
    max_receives: int | None  # the queue's RedrivePolicy: after this many receives, to `dead_letters`
    dead_letters: str | None  # logical id of the dead-letter queue

    def summary(self) -> str:
        failures = "partial batch failures" if self.report_item_failures else "a failure fails the batch"
        redrive = (
            f", {self.max_receives} receives then → {self.dead_letters}" if self.dead_letters else ", no dead letters"
        )
        return (
            f"SQS {self.queue_id} → {self.function} (batches of {self.batch_size}, {failures}, "
            f"failed messages back after {self.visibility_timeout} s{redrive})"
        )


@dataclass
class EventSources:
    s3: list[S3Trigger] = field(default_factory=list)
    streams: list[StreamTrigger] = field(default_factory=list)
    schedules: list[ScheduleTrigger] = field(default_factory=list)
    queues: list[QueueTrigger] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_event_sources(stack: Stack) -> EventSources:
    """Every S3, DynamoDB, Schedule and SQS event of the template's functions, resolved to emulator names."""
    tables = stack.resources("AWS::DynamoDB::Table")
    buckets = stack.resources("AWS::S3::Bucket")
    queues = stack.resources("AWS::SQS::Queue")
    found = EventSources()
    for function, props in stack.resources("AWS::Serverless::Function").items():
        invoke_config = _async_config(function, props.get("EventInvokeConfig") or {}, queues, found.skipped)
        for event_id, event in (props.get("Events") or {}).items():
            kind, event_props = event.get("Type"), event.get("Properties") or {}
            where = f"{function}.Events.{event_id}"
            if kind == "S3":
                bucket_id = referenced_id(event_props.get("Bucket"))
                if bucket_id not in buckets:
                    found.skipped.append(f"{where}: bucket {event_props.get('Bucket')!r} is not in the template")
                    continue
                found.s3.append(_s3_trigger(function, bucket_id, buckets[bucket_id], event_props, invoke_config))
            elif kind in ("DynamoDB", "Schedule", "SQS"):
                try:
                    if kind == "DynamoDB":
                        found.streams.append(_stream_trigger(function, event_props, tables, queues, found.skipped))
                    elif kind == "Schedule":
                        found.schedules.append(_schedule_trigger(function, event_id, event_props, invoke_config))
                    else:
                        found.queues.append(_queue_trigger(function, event_props, queues))
                except ValueError as exc:  # what the local stack does not emulate (UnsupportedFilter is one)
                    found.skipped.append(f"{where}: {exc}")
            elif kind not in ("HttpApi", "Api"):
                found.skipped.append(f"{where}: {kind} events are not emulated")
    return found


def _s3_trigger(
    function: str, bucket_id: str, bucket: Mapping[str, Any], props: Mapping[str, Any], invoke: AsyncConfig
) -> S3Trigger:
    events = props.get("Events") or []
    rules = {
        str(rule.get("Name", "")).lower(): str(rule.get("Value", ""))
        for rule in (props.get("Filter") or {}).get("S3Key", {}).get("Rules", [])
    }
    return S3Trigger(
        function=function,
        bucket_id=bucket_id,
        bucket=bucket_name(bucket_id, bucket),
        events=tuple([events] if isinstance(events, str) else events),
        prefix=rules.get("prefix", ""),
        suffix=rules.get("suffix", ""),
        invoke=invoke,
    )


def _stream_trigger(
    function: str,
    props: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, Any]],
    queues: Mapping[str, Mapping[str, Any]],
    skipped: list[str],
) -> StreamTrigger:
    """Raises ValueError or UnsupportedFilter for what is not emulated."""
    table_id = referenced_id(props.get("Stream")) or ""
    if table_id not in tables:
        raise ValueError(f"stream {props.get('Stream')!r} is not a table's")
    if props.get("Enabled", True) in (False, "false"):
        raise ValueError("disabled in the template")
    table = tables[table_id]
    return StreamTrigger(
        function=function,
        table_id=table_id,
        table=table_name(table_id, table),
        starting_position=str(props.get("StartingPosition", "LATEST")),
        batch_size=int(props.get("BatchSize", DEFAULT_DYNAMODB_BATCH_SIZE)),
        filters=parse_filter_criteria(props.get("FilterCriteria")),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        bisect_on_error=props.get("BisectBatchOnFunctionError") in (True, "true"),
        max_retries=int(props.get("MaximumRetryAttempts", DEFAULT_STREAM_RETRIES)),
        on_failure=_destination(
            f"{function} stream", (props.get("DestinationConfig") or {}).get("OnFailure"), queues, skipped
        ),
    )


def _schedule_trigger(function: str, event_id: str, props: Mapping[str, Any], invoke: AsyncConfig) -> ScheduleTrigger:
    """Raises ValueError for what is not emulated: a cron expression, a disabled rule."""
    expression = str(props.get("Schedule", ""))
    if props.get("Enabled", True) in (False, "false") or props.get("State") == "DISABLED":
        raise ValueError("disabled in the template")
    rate = _RATE.fullmatch(expression)
    if rate is None:
        raise ValueError(f"{expression!r} is not emulated (rate expressions are)")
    number, unit = int(rate.group(1)), rate.group(2).removesuffix("s")
    event_input = json.loads(props["Input"]) if props.get("Input") else None
    return ScheduleTrigger(function, f"{function}{event_id}", expression, number * _SECONDS[unit], event_input, invoke)


def _queue_trigger(function: str, props: Mapping[str, Any], queues: Mapping[str, Mapping[str, Any]]) -> QueueTrigger:
    """Raises ValueError for what is not emulated: a queue from elsewhere, a disabled mapping, filters."""
    queue_id = referenced_id(props.get("Queue")) or ""
    if queue_id not in queues:
        raise ValueError(f"queue {props.get('Queue')!r} is not in the template")
    if props.get("Enabled", True) in (False, "false"):
        raise ValueError("disabled in the template")
    if props.get("FilterCriteria"):
        raise ValueError("filters on SQS messages are not emulated")
    queue = queues[queue_id]
    redrive = queue.get("RedrivePolicy") or {}
    dead_letters = referenced_id(redrive.get("deadLetterTargetArn")) if redrive else None
    return QueueTrigger(
        function=function,
        queue_id=queue_id,
        queue=queue_name(queue_id, queue),
        batch_size=int(props.get("BatchSize", DEFAULT_SQS_BATCH_SIZE)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        max_concurrency=(props.get("ScalingConfig") or {}).get("MaximumConcurrency"),
        visibility_timeout=int(queue.get("VisibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT)),
        max_receives=int(redrive["maxReceiveCount"]) if redrive else None,
        dead_letters=dead_letters,
    )


def _async_config(
    function: str, config: Mapping[str, Any], queues: Mapping[str, Mapping[str, Any]], skipped: list[str]
) -> AsyncConfig:
    destinations = config.get("DestinationConfig") or {}
    return AsyncConfig(
        max_retries=int(config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES)),
        on_failure=_destination(f"{function} OnFailure", destinations.get("OnFailure"), queues, skipped),
        on_success=_destination(f"{function} OnSuccess", destinations.get("OnSuccess"), queues, skipped),
    )


def _destination(
    where: str, config: object, queues: Mapping[str, Mapping[str, Any]], skipped: list[str]
) -> Destination | None:
    """The template's SQS queue a destination names; other destination types are listed as skipped."""
    if not isinstance(config, Mapping):
        return None
    target = referenced_id(config.get("Destination"))
    if config.get("Type", "SQS") != "SQS" or target is None:
        skipped.append(f"{where}: {config.get('Type')} destinations are not emulated")
        return None
    for logical_id, props in queues.items():
        if target in (logical_id, queue_name(logical_id, props)):
            return Destination(logical_id, queue_name(logical_id, props))
    skipped.append(f"{where}: queue {config.get('Destination')!r} is not in the template")
    return None
