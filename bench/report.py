"""bench/results/latest.json (everything, machine-readable) and latest.md (the tables, with goals)."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import cold_start

RESULTS = Path(__file__).resolve().parent / "results"


def _verdict(met: bool | None) -> str:
    return "—" if met is None else ("pass" if met else "**miss**")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _spread(value: Mapping[str, float], digits: int = 2, unit: str = "") -> str:
    return f"{value['median']:.{digits}f}{unit} ({value['p25']:.{digits}f}-{value['p75']:.{digits}f})"


def _size(count: int) -> str:
    return f"{count / 1024:.1f} KB" if count < 100 * 1024 else f"{count / 1024:.0f} KB"


def _money(value: float) -> str:
    return f"${value:.3f}"


def machine_lines(machine: Mapping[str, Any], elapsed_s: float) -> list[str]:
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    return [
        f"- **Date**: {machine['date']} ({elapsed_s / 60:.1f} min run, git {machine['git']})",
        f"- **Machine**: {machine['nproc']} CPUs ({machine['cpu']}, {machine['arch']}), Linux {machine['kernel']};"
        f" load average {machine['load_average_at_start']} at start, {machine.get('load_average_at_end')} at end",
        f"- **Python** {machine['python']}; {packages}; valgrind: {machine['valgrind'] or 'not installed'}",
        "",
    ]


def cold_start_lines(section: Mapping[str, Any]) -> list[str]:
    lines = [
        "## 1. Cold start (fresh process importing the handler module from .aws-sam/build)",
        "",
        f"{section['runs']} interleaved rounds per target, whole process (spawn to exit); ratio = median of per-round"
        " ratios (IQR); instructions = callgrind, whole process, one run (deterministic). Verdicts go by"
        " instructions where counted (repeatable on this busy machine), else by wall time. (a) = `import boto3;"
        " boto3.client('dynamodb')`, (b) = the seed's style (module-level `boto3.resource`, json, logging).",
        "",
    ]
    rows = []
    for row in section["rows"]:
        instructions = row["instructions"]
        cells: list[object] = [
            row["name"],
            f"{row['wall_ms']['median']:.0f}",
            f"{row['import_ms']['median']:.0f}",
            f"{instructions / 1e6:.0f}M" if instructions else section["instructions_how"].get(row["name"], "—"),
        ]
        if row["baseline"]:
            cells += ["", "", "", "", ""]
        else:
            checks = {check["against"]: check for check in row["goals"]}
            for against in ("a", "b"):
                check = checks.get(against)
                ratio = row[f"wall_ratio_{against}"]
                counted = row[f"instructions_ratio_{against}"]
                text = f"{_spread(ratio)}" + (f"; instr {counted:.3f}" if counted else "")
                cells.append(text)
                if against == "a":
                    cells.append(check["goal"] if check else "—")
            goal_b = checks.get("b")
            basis = "/".join(sorted({check["basis"] for check in row["goals"]}))
            missed = [f"({check['against']})" for check in row["goals"] if not check["met"]]
            verdict = f"**miss** {' '.join(missed)}" if missed else "pass"
            cells += [goal_b["goal"] if goal_b else "—", f"{verdict}, by {basis}"]
        rows.append(cells)
    header = ["target", "wall ms", "import ms", "instructions", "vs (a): wall (IQR); instr", "goal (a)",
              "vs (b): wall (IQR); instr", "goal (b)", "verdict"]  # fmt: skip
    lines += _table(header, rows)
    for substitution in {json.dumps(s) for row in section["rows"] for s in row["substitutions"]}:
        item = json.loads(substitution)
        lines.append(
            f"Note: {item['distribution']} {item['built_version']} is built for {item['built_tags'][0]}; this"
            f" machine imports its own build ({item['local_version']}), compiled to unchecked-hash .pyc as the"
            " build ships it."
        )
    if section.get("probes"):
        pieces = "; ".join(
            f"{p['probe'].removeprefix('probe: (a) + ')} +{p['over_a'] / 1e6:.1f}M ({p['ratio_a'] - 1:+.1%})"
            for p in section["probes"]
        )
        lines += ["", f"What single pieces cost over (a), in instructions (callgrind probes): {pieces}."]
        baselines = {row["name"]: row.get("instructions") for row in section["rows"] if row["baseline"]}
        a, b = (baselines.get(name) for name in (cold_start.BASELINE_CLIENT, cold_start.BASELINE_SEED))
        if a and b:
            lines.append(
                f"Goal (b) leaves a function {(b - a) / 1e6:.1f}M instructions over (a) for everything it adds to one"
                " client (what `boto3.resource` costs over a client): Powertools' probe above is most of that."
            )
    if section.get("analysis"):
        lines += ["", "Why (modules imported beyond baseline (a), `-X importtime` self time, median of 3):", ""]
        for analysis in section["analysis"]:
            packages = "; ".join(
                f"{p['package']} {p['ms']} ms in {p['modules']} (" + ", ".join(
                    f"{m['module']} {m['ms']}" for m in p["heaviest"]) + ")"
                for p in analysis["packages"]
            )  # fmt: skip
            lines.append(
                f"- {analysis['function']}: {analysis['extra_ms']} ms in {analysis['extra_modules']} modules the"
                f" baseline does not import, less the baseline's own client creation ({analysis['baseline_own_ms']}"
                f" ms) = **{analysis['net_ms']} ms**: {packages}"
            )
    return [*lines, ""]


def warm_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "## 2. Warm overhead (handler in-process vs the bare boto3 call, same emulator, same client)",
        "",
        "Per call ms: median (IQR); ratio = median of per-round ratios (IQR); overhead = difference of medians.",
        "",
    ]
    table = []
    for row in rows:
        if "ratio" in row:
            same = "yes" if row["same_calls"] else f"**no**: {row['bare_calls']}"
            table.append([row["operation"], _spread(row["handler_ms"]), _spread(row["bare_ms"]),
                          f"{row['overhead_us']:.0f}", _spread(row["ratio"]), row["goal"], _verdict(row["met"]),
                          f"{', '.join(row['handler_calls'])} ({same})"])  # fmt: skip
        else:
            table.append([row["operation"], _spread(row["handler_ms"], 3), "no AWS call", "", "", "—", "—", "none"])
    header = ["operation", "handler ms", "bare ms", "overhead µs", "ratio", "goal", "verdict", "calls (bare same?)"]
    return lines + _table(header, table)


def calls_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["## 3. AWS calls per operation (botocore `before-call` hooks on the layer's clients)", ""]
    table = [
        [
            row["operation"],
            ", ".join(row["calls"]) or "none",
            f"{row['per_unit']:g} {row['unit']}",
            "—" if row["goal"] is None else row["goal"],
            _verdict(row["met"]),
        ]
        for row in rows
    ]
    return lines + _table(["operation", "calls", "count", "goal", "verdict"], table)


def local_stack_lines(section: Mapping[str, Any]) -> list[str]:
    lines = [
        "## 4. Local stack (`python -m devserver`, real HTTP, fresh connection per request)",
        "",
        f"{section['seconds_per_level']:g} s per level; ratio = p50 / the in-process handler's median (section 2).",
        "",
    ]
    table = []
    for row in section["rows"]:
        p50 = "—" if row["p50_ms"] is None else f"{row['p50_ms']:.1f}"
        p99 = "—" if row["p99_ms"] is None else f"{row['p99_ms']:.1f}"
        ratio = "—" if row["p50_ratio"] is None else f"{row['p50_ratio']:.2f}x"
        table.append([row["route"], row["clients"], p50, p99, f"{row['rps']:.0f}", row["errors"], ratio])
    lines += _table(["route", "clients", "p50 ms", "p99 ms", "req/s", "errors", "p50 / in-process"], table)
    return lines + (local_stack_goal_lines(section["goals"]) if section.get("goals") else [])


def local_stack_goal_lines(goals: Mapping[str, Any]) -> list[str]:
    """`make run` against its goals: each ratio from A/B rounds against a baseline served the same way."""
    startup, load = goals["startup"], goals["concurrency"]
    rounds = len(goals["comparisons"][0]["ratios"]) if goals["comparisons"] else 0
    lines = [
        "### make run against its goals (bench/local_stack.py)",
        "",
        f"Start-up: listening after {startup['listening_s']:.2f} s, first request answered after"
        f" {startup['first_answered_s']:.2f} s (that request: {startup['first_request_ms']:.0f} ms)."
        f" Latency: {rounds} interleaved rounds (ABBA) of requests on fresh connections; p50 per side and"
        " round, ratio per round; median ratio (min-max).",
        "",
    ]
    table = [
        [
            row["name"],
            row["against"],
            f"{statistics.median(row['ours_p50_ms']):.2f}",
            f"{statistics.median(row['theirs_p50_ms']):.2f}",
            f"{row['ratio']:.2f}x ({min(row['ratios']):.2f}-{max(row['ratios']):.2f})",
            row["goal"],
            _verdict(row["met"]),
        ]
        for row in goals["comparisons"]
    ]
    table.append(
        [
            f"GET /{{shortCode}}, {load['clients']} clients x {load['seconds']:g} s",
            "clicks counted = redirects answered",
            f"{load['redirects']} redirects",
            f"{load['clicks']} clicks",
            f"{load['errors']} errors",
            "0 errors, no lost click",
            _verdict(load["met"]),
        ]
    )
    return [*lines, *_table(["route", "against", "ours p50 ms", "theirs p50 ms", "ratio", "goal", "verdict"], table)]


def artifact_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["## 5. Artifacts after `sam build` (zipped in memory, deflate)", ""]
    table = [
        [
            row["artifact"],
            _size(row["zipped"]),
            _size(row["unzipped"]),
            row["files"],
            "—" if "within_limits" not in row else _verdict(row["within_limits"]),
        ]
        for row in rows
    ]
    return lines + _table(["artifact", "zipped", "unzipped", "files", "Lambda limits (with layer)"], table)


_COST_LINES = ["api_gateway", "lambda_requests", "lambda_compute", "dynamodb_writes", "dynamodb_reads",
               "cloudwatch_logs", "total_without_xray", "xray", "total_with_xray"]  # fmt: skip


def _levels(levels: Mapping[str, str]) -> str:
    return (
        f"LogFormat {levels['log_format']}, SystemLogLevel {levels['system']}, ApplicationLogLevel"
        f" {levels['application']}, POWERTOOLS_LOG_LEVEL {levels['powertools']}"
    )


def stage_cost_lines(stage: str, section: Mapping[str, Any], headline: bool) -> list[str]:
    """One stage's bill: a table of lines by workload and API type, then its inputs per request."""
    lines = [f"### Stage={stage}" + (" (the headline: the seed's figure is for production)" if headline else ""), ""]
    header = ["line"]
    for item in section["workloads"]:
        header += [f"{item['workload']['name']} (HTTP API)", "(REST API)"]
    rows = []
    for name in _COST_LINES:
        cells: list[object] = [name.replace("_", " ")]
        for item in section["workloads"]:
            cells += [_money(item["http_api"][name]), _money(item["rest_api"][name])]
        rows.append(cells)
    lines += _table(header, rows)
    lines += ["Inputs per request:", ""]
    for item in section["workloads"]:
        workload, logs = item["workload"], item["log_bytes_by_source"]
        lines.append(
            f"- {workload['name']}: {workload['duration_ms']:.2f} ms → billed {workload['billed_ms']} ms at"
            f" {workload['memory_mb']} MB; {workload['write_units']:g} WRU, {workload['read_units']:g} RRU"
            f" (item {item['item_bytes']} B); logs {logs['total']} B = handler {logs['handler']} + Lambda platform"
            f" {logs['lambda_platform']} + API access log {logs['api_access_log']} ({_levels(item['log_levels'])})"
        )
    return [*lines, ""]


def _seed_ratios(seed: Mapping[str, Any]) -> str:
    return (
        f"{seed['ratio_without_xray']:.2f}x without X-Ray ({_verdict(seed['met_without_xray'])}),"
        f" {seed['ratio_with_xray']:.2f}x with X-Ray ({_verdict(seed['met_with_xray'])})"
    )


def cost_lines(section: Mapping[str, Any]) -> list[str]:
    headline = section["headline_stage"]
    lines = [
        "## 6. Cost per month (us-east-1 list prices, no free tier)",
        "",
        "Durations are in-process on this machine against the emulator, not Lambda on arm64 against DynamoDB:"
        " the compute line is indicative (it is the smallest line either way). Each stage's log settings are"
        " read from template.yaml with that Stage, and only the lines Lambda would send are counted.",
        "",
    ]
    for stage, stage_section in section["stages"].items():
        lines += stage_cost_lines(stage, stage_section, stage == headline)
    seed = section["stages"][headline]["seed"]
    others = "; ".join(
        f"Stage={stage}: {_seed_ratios(stage_section['seed'])}"
        for stage, stage_section in section["stages"].items()
        if stage != headline
    )
    fractions = ", ".join(f"{k}: {v:.0%}" for k, v in section["xray_fraction_examples"].items())
    lines += [
        f"X-Ray (`Tracing: Active`, 1 req/s reservoir + 5%): share of requests traced at {fractions}."
        " A steady 1M/month (0.39 req/s) is nearly all inside the reservoir, so X-Ray is shown apart.",
        "",
        f"**vs the seed's ${seed['seed']:.2f} per 1M redirects** (goal {seed['goal']}), Stage={headline}:"
        f" {_seed_ratios(seed)}." + (f" For comparison, {others}." if others else ""),
        f"The seed's $4.45 is exactly REST API + Lambda requests + one read and one write unit (no compute, logs"
        f" or X-Ray); on that basis ours is {_money(seed['ours_on_seed_basis'])}"
        f" ({seed['ratio_on_seed_basis']:.2f}x).",
        "",
        "Assumptions:",
        "",
        *[f"- {assumption}" for assumption in section["assumptions"]],
        "",
    ]
    return lines


def thumbnail_lines(result: Mapping[str, Any]) -> list[str]:
    lines = ["## 7. Thumbnail (process_upload's image work vs naive Pillow open + resize)", ""]
    rows = [
        [
            mode,
            f"{result[mode]['median_s'] * 1000:.0f}",
            f"{result[mode]['peak_mb']:.0f}",
            f"{result[mode]['baseline_mb']:.0f}",
        ]
        for mode in ("naive", "ours")
    ]
    lines += _table(["contender", "median ms", "peak RSS MB", "RSS after imports MB"], rows)
    lines.append(
        f"{result['image']} ({result['bytes'] / 1e6:.1f} MB), {result['runs']} runs each in a fresh process:"
        f" time {result['time_ratio']:.2f}x naive (goal {result['time_goal']}: {_verdict(result['time_met'])});"
        f" {result['memory_goal']}: {_verdict(result['memory_met'])}."
    )
    return [*lines, ""]


def summary_lines(results: Mapping[str, Any]) -> list[str]:
    """One line per measure: how many goals it meets."""
    lines = ["## Summary", ""]
    cold = results.get("cold_start")
    if cold:
        functions = [row for row in cold["rows"] if not row["baseline"]]
        for against in ("a", "b"):
            checks = [(row["name"], c) for row in functions for c in row["goals"] if c["against"] == against]
            missed = [name for name, check in checks if not check["met"]]
            lines.append(
                f"- Cold start vs ({against}): {len(checks) - len(missed)}/{len(checks)} functions meet their goal"
                + (f"; misses: {', '.join(missed)}" if missed else "")
            )
    warm = results.get("warm")
    if warm:
        compared = [row for row in warm if "met" in row]
        missed = [row["operation"] for row in compared if not row["met"]]
        lines.append(f"- Warm overhead: {len(compared) - len(missed)}/{len(compared)} within 1.15x"
                     + (f"; misses: {', '.join(missed)}" if missed else ""))  # fmt: skip
    calls = results.get("aws_calls")
    if calls:
        goals = [row for row in calls if row["met"] is not None]
        lines.append(f"- AWS calls: {sum(row['met'] for row in goals)}/{len(goals)} operations at their goal")
    cost = results.get("cost")
    if cost:
        headline = cost["headline_stage"]
        seed = cost["stages"][headline]["seed"]
        others = ", ".join(
            f"Stage={stage} {section['seed']['ratio_without_xray']:.2f}x"
            for stage, section in cost["stages"].items()
            if stage != headline
        )
        lines.append(
            f"- Cost of 1M redirects, Stage={headline}: {seed['ratio_without_xray']:.2f}x the seed without X-Ray,"
            f" {seed['ratio_with_xray']:.2f}x with it (goal <= 0.5x)"
            + (f"; without X-Ray in {others}" if others else "")
        )
    make_run = (results.get("local_stack") or {}).get("goals")
    if make_run:
        rows = [*make_run["comparisons"], make_run["concurrency"]]
        missed = [row.get("name", "50 clients") for row in rows if not row["met"]]
        lines.append(
            f"- make run: {len(rows) - len(missed)}/{len(rows)} goals met ("
            + ", ".join(f"{row['name']} {row['ratio']:.2f}x" for row in make_run["comparisons"])
            + ")"
            + (f"; misses: {', '.join(missed)}" if missed else "")
        )
    thumbnail = results.get("thumbnail")
    if thumbnail:
        lines.append(
            f"- Thumbnail: {thumbnail['time_ratio']:.2f}x naive time, peak {thumbnail['ours']['peak_mb']:.0f} MB"
        )
    return [*lines, ""]


def markdown(results: Mapping[str, Any]) -> str:
    lines = ["# `make bench`: latest results", ""]
    lines += machine_lines(results["machine"], results["elapsed_s"])
    lines += summary_lines(results)
    sections = (
        ("cold_start", cold_start_lines),
        ("warm", warm_lines),
        ("aws_calls", calls_lines),
        ("local_stack", local_stack_lines),
        ("artifacts", artifact_lines),
        ("cost", cost_lines),
        ("thumbnail", thumbnail_lines),
    )
    for key, render in sections:
        if results.get(key):
            lines += render(results[key])
        elif key in results.get("skipped", []):
            lines += [f"## {key}: skipped", ""]
    return "\n".join(lines).rstrip() + "\n"


def write(results: Mapping[str, Any], directory: Path = RESULTS) -> tuple[Path, Path]:
    """Both files, each replaced atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "latest.json", directory / "latest.md")
    contents = (json.dumps(results, indent=1, sort_keys=False, default=str) + "\n", markdown(results))
    for path, content in zip(paths, contents, strict=True):
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(content)
        os.replace(temporary, path)
    return paths
