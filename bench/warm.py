"""Warm overhead: each handler called in-process against the emulator vs the bare boto3 call it makes.

Both sides run in this process, against the same emulator, with the same client (the layer's),
interleaved call by call: after a warm-up, `rounds` rounds of `per_round` calls per side, the
side that goes first alternating each round. Per round, the ratio of the two medians; reported: the median of
those ratios with its interquartile range, and the overhead in microseconds (handler median minus
bare median over all calls). The emulator (moto, in Python) takes longer to answer than DynamoDB
does, which dilutes the ratio: the microseconds are the figure to watch.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.aws_calls import CallCounter
from bench.in_process import InProcessApp, LogCapture
from bench.operations import Fixtures, Operation, Prepare
from bench.stats import Goal, Spread

GOAL = Goal(1.15, "x")


def _timed(prepare: Prepare, fixtures: Fixtures, count: int, expected: int | None) -> list[float]:
    """Milliseconds of `count` calls, each prepared (untimed) just before it runs."""
    samples = []
    for _ in range(count):
        call = prepare(fixtures)
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
        if expected is not None and isinstance(result, dict) and result.get("statusCode") != expected:
            raise RuntimeError(f"unexpected response: {result!r}"[:500])
    return samples


def _calls(counter: CallCounter, prepare: Prepare, fixtures: Fixtures) -> list[str]:
    call = prepare(fixtures)
    with counter.counting() as calls:
        call()
    return list(calls)


def measure_one(
    operation: Operation, fixtures: Fixtures, capture: LogCapture, *, rounds: int, per_round: int, warmup: int
) -> dict[str, Any]:
    app: InProcessApp = fixtures.app
    counter = CallCounter()
    with app.environment(operation.function):
        handler_calls = _calls(counter, operation.handler, fixtures)
        capture.take()
        _timed(operation.handler, fixtures, 1, operation.status)
        log = capture.take()  # one warm request's log output: what CloudWatch Logs ingests
        bare_calls = _calls(counter, operation.bare, fixtures) if operation.bare else []
        sides: list[tuple[Prepare, int | None]] = [(operation.handler, operation.status)]
        if operation.bare is not None:
            sides.append((operation.bare, None))
        for prepare, status in sides:
            _timed(prepare, fixtures, warmup, status)
        per_side: list[list[float]] = [[] for _ in sides]
        round_medians: list[list[float]] = [[] for _ in sides]
        for index in range(rounds):
            # Call by call, A B A B ... (B A B A ... the next round): a slow moment hits both sides.
            order = list(range(len(sides))) if index % 2 == 0 else list(reversed(range(len(sides))))
            samples: list[list[float]] = [[] for _ in sides]
            for _ in range(per_round):
                for side in order:
                    samples[side] += _timed(sides[side][0], fixtures, 1, sides[side][1])
            for side, values in enumerate(samples):
                per_side[side].extend(values)
                round_medians[side].append(statistics.median(values))
        capture.take()  # the timed calls' logs: not needed, and not to pile up
    row: dict[str, Any] = {
        "operation": operation.name,
        "function": operation.function,
        "handler_ms": Spread.of(per_side[0]).__dict__,
        "handler_calls": handler_calls,
        "log_bytes": len(log.encode()),
        "log_events": len([line for line in log.splitlines() if line.strip()]),
        "log_sample": log,
    }
    if operation.bare is not None:
        ratios = [h / b for h, b in zip(round_medians[0], round_medians[1], strict=True)]
        row.update(
            {
                "bare_ms": Spread.of(per_side[1]).__dict__,
                "bare_calls": bare_calls,
                "same_calls": handler_calls == bare_calls,
                "ratio": Spread.of(ratios).__dict__,
                "overhead_us": (statistics.median(per_side[0]) - statistics.median(per_side[1])) * 1000,
                "goal": GOAL.text(),
                "met": GOAL.met(statistics.median(ratios)),
            }
        )
    return row


def measure(
    operations: Sequence[Operation],
    fixtures: Fixtures,
    capture: LogCapture,
    *,
    rounds: int = 7,
    per_round: int = 25,
    warmup: int = 10,
    progress: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    # The emulator, SAM CLI and botocore's models share this process: a heap Lambda never has, which
    # the garbage collector would walk, at random moments, inside timed calls. Frozen objects are
    # not scanned; what the calls allocate still is, as in Lambda.
    gc.collect()
    gc.freeze()
    rows = []
    for operation in operations:
        rows.append(measure_one(operation, fixtures, capture, rounds=rounds, per_round=per_round, warmup=warmup))
        progress(f"warm: {operation.name}")
    return rows
