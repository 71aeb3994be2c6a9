"""`python -m bench` (`make bench` builds first): every measure, into bench/results/latest.{json,md}.

    .venv/bin/python -m bench [--cold-runs 15] [--callgrind-budget 240] [--skip local_stack,thumbnail]

Order: artifact sizes; in-process (AWS call counts, warm overhead, logs, the cost model); the
local stack under load, then against its goals (bench/local_stack.py); the thumbnail; cold starts
last (wall time, then callgrind with what is left of `--deadline`, then `-X importtime` for any
function that misses a goal): callgrind is the slow part, its counts are cached by content, and
what does not fit is reported as skipped. Progress goes to stderr. Needs `sam build` output
(.aws-sam/build): `make bench` runs it.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench import (
    artifacts,
    aws_calls,
    callgrind,
    cold_start,
    cost,
    http_load,
    import_profile,
    local_stack,
    report,
    thumbnail,
    warm,
)
from bench.in_process import started
from bench.lambda_layout import Layout
from bench.machine import describe, load_average
from bench.operations import LINK_CODE, OPERATIONS, USER, Fixtures
from devkit.stack import Stack

SECTIONS = ("artifacts", "in_process", "local_stack", "thumbnail", "cold_start")
IMPORTTIME_RESERVE_S = 60  # kept from callgrind's budget for `-X importtime` of the functions that miss


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=15, help="fresh processes per target (default 15)")
    parser.add_argument("--callgrind-budget", type=float, default=300, help="at most, seconds (default 300)")
    parser.add_argument("--deadline", type=float, default=540, help="seconds for the whole run (default 540)")
    parser.add_argument("--warm-rounds", type=int, default=7)
    parser.add_argument("--warm-calls", type=int, default=20, help="calls per side and round")
    parser.add_argument("--load-seconds", type=float, default=3.0, help="per route and concurrency level")
    parser.add_argument("--thumbnail-runs", type=int, default=3)
    parser.add_argument("--skip", default="", help=f"comma-separated, of: {', '.join(SECTIONS)}")
    return parser.parse_args(argv)


def item_sizes(fixtures: Fixtures) -> dict[str, int]:
    """Bytes of the link and task items as stored (after the benchmark's clicks and updates)."""
    link = fixtures.dynamodb.get_item(TableName=fixtures.links_table, Key={"shortCode": {"S": LINK_CODE}})["Item"]
    task_key = {"user_id": {"S": USER}, "task_id": {"S": fixtures.task_ids[0]}}
    task = fixtures.dynamodb.get_item(TableName=fixtures.tasks_table, Key=task_key)["Item"]
    return {"link": cost.item_size(link), "task": cost.item_size(task)}


def run_in_process(stack: Stack, args: argparse.Namespace, results: dict[str, Any]) -> None:
    with started(stack) as (app, capture):
        fixtures = Fixtures.create(app)
        progress("AWS calls per operation")
        results["aws_calls"] = aws_calls.count(fixtures)
        results["warm"] = warm.measure(
            OPERATIONS, fixtures, capture, rounds=args.warm_rounds, per_round=args.warm_calls, progress=progress
        )
        sizes = item_sizes(fixtures)
    # What each Stage's template says (its log levels above all): the measurements are the same.
    stages = {stage: cost.stage_config(Stack(parameters={"Stage": stage})) for stage in cost.STAGES}
    results["cost"] = cost.estimate(results["warm"], sizes, stages)


def run_cold_start(stack: Stack, args: argparse.Namespace, results: dict[str, Any], deadline: float) -> None:
    """Wall times, then instruction counts with what is left of the time budget, then the analysis."""
    with Layout() as layout:
        found = cold_start.targets(stack, layout)
        samples = cold_start.measure(found, layout, args.cold_runs, progress)
        counts: dict[str, int | None] = {}
        how: dict[str, str] = {}
        budget = min(args.callgrind_budget, deadline - time.monotonic() - IMPORTTIME_RESERVE_S)
        if callgrind.available() and budget > 0:
            priority = (cold_start.BASELINE_CLIENT, cold_start.BASELINE_SEED)
            everything = [*found, *cold_start.probes(found)]  # probes last: the least needed
            counts, how = callgrind.count_all(everything, layout, budget, progress, priority)
        rows = cold_start.summarise(found, samples, counts)
        missed = cold_start.misses(rows)
        by_name = {target.name: target for target in found}
        analysis = []
        if missed:
            baseline = import_profile.self_times(by_name[cold_start.BASELINE_CLIENT], layout)
            for name in missed:
                if time.monotonic() > deadline:
                    progress(f"importtime: out of time, {name} not analysed")
                    continue
                progress(f"importtime: {name}")
                analysis.append(
                    import_profile.explain(by_name[name], by_name[cold_start.BASELINE_CLIENT], baseline, layout)
                )
        results["cold_start"] = {
            "runs": args.cold_runs,
            "runtime_packages": layout.runtime_versions(),
            "rows": rows,
            "instructions_how": how,
            "misses": missed,
            "probes": cold_start.probe_costs(counts),
            "analysis": analysis,
        }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    started_at = time.monotonic()
    deadline = started_at + args.deadline
    stack = Stack()
    results: dict[str, Any] = {"machine": describe(), "settings": vars(args), "skipped": sorted(skip)}
    if "artifacts" not in skip:
        progress("artifact sizes")
        results["artifacts"] = artifacts.measure(cold_start.BUILD, stack.functions())
    if "in_process" not in skip:
        run_in_process(stack, args, results)
    if "local_stack" not in skip:
        in_process_ms = {row["operation"]: row["handler_ms"]["median"] for row in results.get("warm", [])}
        results["local_stack"] = http_load.run(in_process_ms, seconds=args.load_seconds, progress=progress)
        # make run's own goals (issue 4), each against a baseline measured in the same rounds.
        results["local_stack"]["goals"] = local_stack.run(progress=progress)
    if "thumbnail" not in skip:
        progress("thumbnail")
        results["thumbnail"] = thumbnail.run(args.thumbnail_runs)
    if "cold_start" not in skip:  # last: callgrind takes whatever time is left
        run_cold_start(stack, args, results, deadline)
    results["machine"]["load_average_at_end"] = load_average()
    results["elapsed_s"] = time.monotonic() - started_at
    json_path, md_path = report.write(results)
    progress(f"wrote {json_path} and {md_path} in {results['elapsed_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
