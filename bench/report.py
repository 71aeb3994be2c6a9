"""bench/results/latest.json (the figures) and latest.md (the same as tables, with the goals)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _verdict(met: bool | None) -> str:
    return "" if met is None else ("pass" if met else "**miss**")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return [*lines, *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows), ""]


def _ms(value: Mapping[str, float]) -> str:
    return f"{value['median']:.2f} ({value['p25']:.2f}-{value['p75']:.2f})"


def summary(results: Mapping[str, Any]) -> list[str]:
    """One line per goal: how many meet it."""
    checks = (
        ("Cold start, instructions", "cold_start", "name", "met"),
        ("AWS calls per request", "warm", "operation", "calls_met"),
        ("Warm overhead", "warm", "operation", "overhead_met"),
    )
    lines = []
    for title, section, name, flag in checks:
        judged = [row for row in results.get(section, []) if row.get(flag) is not None]
        missed = [row[name] for row in judged if not row[flag]]
        if judged:
            misses = f"; misses: {', '.join(missed)}" if missed else ""
            lines.append(f"- {title}: {len(judged) - len(missed)}/{len(judged)} meet their goal{misses}")
    if thumbnail := results.get("thumbnail"):
        lines.append(
            f"- Thumbnail: {thumbnail['time_ratio']:.2f}x naive CPU time ({_verdict(thumbnail['time_met'])}),"
            f" peak {thumbnail['ours']['peak_mb']:.0f} MB ({_verdict(thumbnail['memory_met'])})"
        )
    return lines


def cold_start_lines(rows: Sequence[Mapping[str, Any]], runs: int) -> list[str]:
    lines = [
        "## Cold start (a fresh process importing each built function, as Lambda's Init does)",
        "",
        "Verdict on instructions (valgrind, one run each: the same on a busy machine). Wall time of the whole"
        f" process, secondary: the best of {runs} rounds.",
        "",
    ]
    table = []
    for row in rows:
        count, ratio = row["instructions"], row["ratio"]
        table.append([row["name"], f"{count / 1e6:.0f}M" if count else "not counted",
                      f"{ratio:.3f}x" if ratio else "", f"<= {row['goal']:.2f}x" if row["goal"] else "",
                      _verdict(row["met"]), f"{row['wall_ms']:.0f}", f"{row['wall_ratio']:.2f}x"])  # fmt: skip
    header = ["function", "instructions", "vs baseline", "goal", "verdict", "wall ms", "wall vs baseline"]
    lines += _table(header, table)
    lines += [f"Note: {note}." for note in sorted({s for row in rows for s in row["substitutions"]})]
    return [*lines, ""]


def warm_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "## AWS calls per request, and warm overhead",
        "",
        "Calls recorded from each handler's first invocation (botocore's hooks). Overhead: the warm handler"
        " in-process against the same calls replayed by a bare boto3 client, same emulator, each from the same"
        " state; ms = this process's CPU time, median (IQR); ratio = median of per-round ratios.",
        "",
    ]
    table = []
    for row in rows:
        calls = ", ".join(row["calls"]) or "none"
        goal = "" if row["calls_goal"] is None else f"{row['calls_goal']} ({_verdict(row['calls_met'])})"
        timing: list[object] = ["", "", "", "", ""]
        if "bare_ms" in row:
            goal_text = f"<= {row['overhead_goal']}x: {_verdict(row['overhead_met'])}" if row["overhead_goal"] else ""
            timing = [_ms(row["handler_ms"]), _ms(row["bare_ms"]), f"{row['overhead_us']:.0f}",
                      f"{row['ratio']['median']:.2f}x", goal_text]  # fmt: skip
        elif "handler_ms" in row:
            timing[0] = _ms(row["handler_ms"])
        table.append([row["operation"], calls, goal, *timing])
    header = ["request", "AWS calls", "goal", "handler ms", "bare ms", "overhead µs", "ratio", "goal"]
    return lines + _table(header, table)


def cost_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "## Cost per million requests (us-east-1 list prices, no free tier)",
        "",
        "From template.yaml's settings per Stage and this run's measures (see bench/cost.py); the Lambda"
        " line's duration is in-process on this machine, not Lambda on arm64. X-Ray would trace every request"
        " of a steady million a month: shown apart.",
        "",
    ]
    table = [[row["stage"], row["requests"], f"{row['memory_mb']} MB, {row['billed_ms']} ms",
              *(f"${row[line]:.2f}" for line in ("api", "lambda", "dynamodb", "logs")), f"**${row['total']:.2f}**",
              f"+${row['xray']:.2f}"] for row in rows]  # fmt: skip
    header = ["stage", "1M", "billed", "HTTP API", "Lambda", "DynamoDB", "Logs", "total", "X-Ray"]
    return lines + _table(header, table)


def thumbnail_lines(result: Mapping[str, Any]) -> list[str]:
    rows = [[mode, f"{result[mode]['cpu_ms']:.0f}", f"{result[mode]['wall_ms']:.0f}", f"{result[mode]['peak_mb']:.0f}",
             f"{result[mode]['after_imports_mb']:.0f}"] for mode in ("naive", "ours")]  # fmt: skip
    return [
        "## Thumbnail (process_upload's handler vs a naive Pillow handler, each in a fresh process)",
        "",
        *_table(["handler", "CPU ms", "wall ms", "peak RSS MB", "after imports MB"], rows),
        f"{result['image']}, median of {result['runs']} uploads: CPU time {result['time_ratio']:.2f}x naive (goal"
        f" <= {result['time_goal']}x: {_verdict(result['time_met'])}); peak under the function's"
        f" {result['memory_mb']} MB: {_verdict(result['memory_met'])}.",
        "",
    ]


def artifact_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    table = [[row["artifact"], f"{row['zipped'] / 1024:.1f} KB", f"{row['unzipped'] / 1024:.1f} KB", row["files"],
              _verdict(row.get("within_limits"))] for row in rows]  # fmt: skip
    header = ["artifact", "zipped", "unzipped", "files", "within Lambda's limits (with the layer)"]
    return ["## Artifacts after `sam build` (zipped as a deploy uploads them)", "", *_table(header, table)]


def local_stack_lines(result: Mapping[str, Any]) -> list[str]:
    startup, load = result["startup"], result["load"]
    same = "equal" if load["clicks"] == load["redirects"] else "**not equal**"
    table = [[row["route"], ", ".join(map(str, row["statuses"])), f"{row['p50_ms']:.1f}", f"{row['p90_ms']:.1f}"]
             for row in result["routes"]]  # fmt: skip
    return [
        "## `make run` (`python -m devserver` on a free port, over HTTP; reported, no goal)",
        "",
        f"Listening after {startup['listening_s']:.1f} s; the first request (POST /shorten) took"
        f" {startup['first_request_ms']:.0f} ms, answered {startup['first_answered_s']:.1f} s after the start."
        " Then one client, a fresh connection per request:",
        "",
        *_table(["route", "status", "p50 ms", "p90 ms"], table),
        f"{load['clients']} clients for {load['seconds']:g} s on one link: {load['redirects']} redirects,"
        f" {load['errors']} errors; clicks counted {load['clicks']} ({same}).",
        "",
    ]


def markdown(results: Mapping[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        "# `make bench`: latest results",
        "",
        f"{machine['date']}, git {machine['git']}, {results['elapsed_s'] / 60:.1f} min; {machine['cpus']} CPUs"
        f" ({machine['cpu']}), load average {machine['load_start']} at start, {machine['load_end']} at end;"
        f" Python {machine['python']}, valgrind {machine['valgrind'] or 'not installed'}.",
        "",
        *summary(results),
        "",
    ]
    if skipped := results["settings"]["skip"]:
        lines += [f"Skipped: {skipped}.", ""]
    if "cold_start" in results:
        lines += cold_start_lines(results["cold_start"], results["settings"]["cold_runs"])
    sections = (("warm", warm_lines), ("cost", cost_lines), ("thumbnail", thumbnail_lines),
                ("artifacts", artifact_lines), ("local_stack", local_stack_lines))  # fmt: skip
    for key, render in sections:
        if key in results:
            lines += render(results[key])
    return "\n".join(lines).rstrip() + "\n"


def write(results: Mapping[str, Any], directory: Path = RESULTS) -> tuple[Path, Path]:
    """Both files, each replaced atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "latest.json", directory / "latest.md")
    rounded = _rounded(results)  # both files show the same figures
    for path, content in zip(paths, (compact_json(rounded), markdown(rounded)), strict=True):
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(content)
        os.replace(temporary, path)
    return paths


def compact_json(results: Mapping[str, Any]) -> str:
    """One line per section, or per row of a section that is a list: small, and diffs read well."""

    def section(value: Any) -> str:
        if isinstance(value, list) and value:
            return "[\n  " + ",\n  ".join(json.dumps(row) for row in value) + "\n ]"
        return json.dumps(value)

    return "{\n" + ",\n".join(f" {json.dumps(key)}: {section(value)}" for key, value in results.items()) + "\n}\n"


def _rounded(value: Any) -> Any:
    """Floats to 4 significant digits: the figures are noisier than that."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value
