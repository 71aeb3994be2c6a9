"""AWS calls per request and warm overhead: each handler against its own calls, made bare.

Per operation, a first invocation is recorded (recorded_calls.py): its calls are the AWS calls
per request. Then, warm, the handler and the bare replay of those calls take turns (A B A B ...,
B A B A ... the next round), each call preceded, untimed, by putting back the items the first
invocation changed, so every call starts from the same state. Time is this process's CPU time:
the handler, botocore and the emulator's threads, without the waits other processes on a shared
machine impose. Per round the ratio of the two medians; reported: the median ratio over rounds
and the overhead in microseconds (difference of medians). The emulator (moto, in Python) takes
longer to answer than DynamoDB does, which dilutes the ratio: the microseconds are the figure to
watch.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.in_process import InProcessApp
from bench.operations import Fixtures, Operation, outcome
from bench.recorded_calls import Call, Recorder, Replayer, Snapshot
from bench.stats import spread
from devkit.lambda_context import LambdaContext

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

type Prepare = Callable[[], Callable[[], Any]]  # untimed set-up, returning the call to time


@dataclass(frozen=True)
class Recorded:
    """An operation's first invocation: its event, the calls it made, the items they changed."""

    operation: Operation
    event: dict[str, Any]
    calls: list[Call]
    snapshot: Snapshot

    def row(self) -> dict[str, Any]:
        goal = self.operation.calls
        return {
            "operation": self.operation.name,
            "calls": [str(call) for call in self.calls],
            "calls_goal": goal,
            "calls_met": None if goal is None else len(self.calls) == goal,
        }


def record(fixtures: Fixtures, operations: Sequence[Operation], recorder: Recorder) -> list[Recorded]:
    """Each operation's first invocation, recorded."""
    found = []
    for operation in operations:
        event = operation.event(fixtures)
        with recorder.recording() as (calls, snapshot):
            result = fixtures.app.invoke(operation.function, copy.deepcopy(event))
        if outcome(result) != operation.expect:
            raise RuntimeError(f"{operation.name}: {result!r}"[:500])
        found.append(Recorded(operation, event, calls, snapshot))
    return found


def measure(
    app: InProcessApp,
    recorded: Recorded,
    dynamodb: DynamoDBClient,
    replayer: Replayer,
    *,
    rounds: int,
    per_round: int,
    warmup: int = 5,
) -> tuple[dict[str, Any], str]:
    """The handler against its calls made bare; and the log output of one warm request."""
    operation, calls, snapshot = recorded.operation, recorded.calls, recorded.snapshot
    function = app.function(operation.function)
    with app.environment(operation.function) as handler:

        def handler_side() -> Callable[[], Any]:
            snapshot.restore(dynamodb)
            request = copy.deepcopy(recorded.event)
            context = LambdaContext(function.name, function.memory, function.timeout)
            return lambda: handler(request, context)

        def bare_side() -> Callable[[], Any]:
            snapshot.restore(dynamodb)
            return replayer.prepare(calls)

        sides = [handler_side, bare_side] if calls else [handler_side]
        _rounds(sides, operation.expect, 1, warmup)
        app.logs.take()
        _time(handler_side, operation.expect)
        log = app.logs.take()  # what CloudWatch Logs would ingest for one request
        samples = _rounds(sides, operation.expect, rounds, per_round)
        app.logs.take()
    return {**recorded.row(), **_summary(samples, operation.overhead_goal)}, log


def _time(prepare: Prepare, expect: object = None) -> float:
    call = prepare()
    started = time.process_time()
    result = call()
    elapsed = (time.process_time() - started) * 1000
    if expect is not None and outcome(result) != expect:
        raise RuntimeError(f"unexpected answer: {result!r}"[:500])
    return elapsed


def _rounds(sides: list[Prepare], expect: object, rounds: int, per_round: int) -> list[list[list[float]]]:
    """Milliseconds per side, per round: call by call, the side going first alternating each round."""
    samples: list[list[list[float]]] = [[] for _ in sides]
    for index in range(rounds):
        order = list(range(len(sides)))[:: 1 if index % 2 == 0 else -1]
        current: list[list[float]] = [[] for _ in sides]
        for _ in range(per_round):
            for side in order:
                current[side].append(_time(sides[side], expect if side == 0 else None))
        for side, values in enumerate(current):
            samples[side].append(values)
    return samples


def _summary(samples: list[list[list[float]]], goal: float | None) -> dict[str, Any]:
    handler = [ms for values in samples[0] for ms in values]
    summary: dict[str, Any] = {"handler_ms": spread(handler)}
    if len(samples) == 2:
        bare = [ms for values in samples[1] for ms in values]
        ratios = [statistics.median(h) / statistics.median(b) for h, b in zip(samples[0], samples[1], strict=True)]
        ratio = statistics.median(ratios)
        summary |= {
            "bare_ms": spread(bare),
            "overhead_us": (statistics.median(handler) - statistics.median(bare)) * 1000,
            "ratio": spread(ratios),
            "overhead_goal": goal,
            "overhead_met": None if goal is None else ratio <= goal,
        }
    return summary


def measure_all(
    app: InProcessApp,
    recorded: Sequence[Recorded],
    dynamodb: DynamoDBClient,
    *,
    rounds: int,
    per_round: int,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """A row per operation (timed where the operation is), and one warm request's logs per timed one."""
    replayer, rows, logs = Replayer(), [], {}
    for item in recorded:
        if not item.operation.timed:
            rows.append(item.row())
            continue
        row, logs[item.operation.name] = measure(app, item, dynamodb, replayer, rounds=rounds, per_round=per_round)
        rows.append(row)
        progress(f"warm: {item.operation.name}")
    return rows, logs
