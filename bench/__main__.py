"""`make bench`: what the app costs on Lambda, measured here, into bench/results/latest.{json,md}.

    .venv/bin/python -m bench [--skip local_stack,cold_start] [--cold-runs 3] [--warm-rounds 7]

In order: artifact sizes; in-process on an emulator (each handler's AWS calls, warm overhead, the
cost per million requests, the thumbnail); `make run` over HTTP; cold starts last (instruction
counts are the slow part, cached by content). Needs `sam build`'s output (`make bench` builds
first) and valgrind for instruction counts. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import artifacts, cold_start, cost, instructions, local_stack, report, thumbnail, warm
from bench.in_process import started
from bench.operations import OPERATIONS, Fixtures
from bench.recorded_calls import Recorder
from devkit.local_aws import dynamodb_client
from devkit.stack import Stack

SECTIONS = ("artifacts", "warm", "thumbnail", "local_stack", "cold_start")


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=3, help="wall-time rounds of fresh processes (default 3)")
    parser.add_argument("--no-instructions", action="store_true", help="skip valgrind's instruction counts")
    parser.add_argument("--warm-rounds", type=int, default=7)
    parser.add_argument("--warm-calls", type=int, default=15, help="calls per side and round (default 15)")
    parser.add_argument("--thumbnail-runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="per make run route (default 200)")
    parser.add_argument("--load-seconds", type=float, default=5.0, help="of 50 clients on make run (default 5)")
    parser.add_argument("--skip", default="", help=f"comma-separated, of: {', '.join(SECTIONS)}")
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    """Where and when: the table's header."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    git = ["git", "describe", "--always", "--dirty=+dirty"]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip(),
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu or platform.machine(),
        "python": platform.python_version(),
        "valgrind": instructions.valgrind_version(),
        "load_start": [round(value, 2) for value in os.getloadavg()],
    }


def in_process(stack: Stack, args: argparse.Namespace, skip: set[str], results: dict[str, Any]) -> None:
    """AWS calls, warm overhead and cost; the thumbnail: everything that needs the emulator in this process."""
    with started(stack) as app:
        fixtures = Fixtures.create(app)
        dynamodb = dynamodb_client(app.emulator.endpoint)
        if "warm" not in skip:
            progress("recording each handler's AWS calls")
            recorded = warm.record(fixtures, OPERATIONS, Recorder(dynamodb))
            # The emulator, SAM CLI and botocore's models share this process: a heap Lambda never
            # has, which the garbage collector would walk inside timed calls. Frozen, it does not.
            gc.collect()
            gc.freeze()
            rounds, calls = args.warm_rounds, args.warm_calls
            rows, logs = warm.measure_all(app, recorded, dynamodb, rounds=rounds, per_round=calls, progress=progress)
            results["warm"] = rows
            results["cost"] = cost.estimate(rows, logs, fixtures.stored_items(dynamodb))
        if "thumbnail" not in skip:
            progress("thumbnail")
            results["thumbnail"] = thumbnail.run(fixtures, args.thumbnail_runs)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    started_at = time.monotonic()
    stack = Stack()
    results: dict[str, Any] = {"machine": machine(), "settings": vars(args)}
    if "artifacts" not in skip:
        results["artifacts"] = artifacts.measure(cold_start.BUILD, stack.functions())
    if not {"warm", "thumbnail"} <= skip:
        in_process(stack, args, skip, results)
    if "local_stack" not in skip:
        progress("make run: start-up")
        results["local_stack"] = local_stack.run(args.requests, seconds=args.load_seconds, progress=progress)
    if "cold_start" not in skip:
        count = not args.no_instructions
        results["cold_start"] = cold_start.measure(stack, args.cold_runs, count_instructions=count, progress=progress)
    results["machine"]["load_end"] = [round(value, 2) for value in os.getloadavg()]
    results["elapsed_s"] = round(time.monotonic() - started_at, 1)
    json_path, md_path = report.write(results)
    progress(f"wrote {json_path} and {md_path} in {results['elapsed_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
