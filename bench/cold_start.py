"""Cold start: a fresh Python process importing each function's handler module, as Lambda would.

Every function (from the *built* artifacts, see lambda_layout.py) and two baselines are imported
in fresh processes with the function's template environment, dummy credentials and no network:

- (a) `cold_start_baselines/boto3_client.py`: `import boto3; boto3.client("dynamodb")`;
- (b) `cold_start_baselines/seed_style.py`: the seed's naive style (module-level
  `boto3.resource("dynamodb")`, json, logging and a logger).

Wall time: `runs` rounds; each round starts every target once, in an order rotated per round so
that no target always follows the same one; ratios are taken per round (function / baseline of
the same round) and their median reported, so a busy moment of the shared machine hits both.
The time is the whole process (spawn to exit), which is what Lambda's Init phase pays for, with
the import alone (measured inside the child) alongside. Instruction counts come from callgrind.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.lambda_layout import Layout, Substitution
from bench.stats import Goal, Spread, paired_ratios
from devkit.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
LAYER = BUILD / "CommonLayer" / "python"
BASELINES = Path(__file__).resolve().parent / "cold_start_baselines"
BASELINE_CLIENT = "baseline (a): boto3 client"
BASELINE_SEED = "baseline (b): seed style"
# Instruction counts only: what single pieces of the layer cost on top of baseline (a).
PROBES = {
    "probe: (a) + Powertools Logger and Metrics": "probe_powertools",
    "probe: (a) + a second DynamoDB client": "probe_second_dynamodb_client",
    "probe: (a) + an S3 client": "probe_s3_client",
}
# The one function allowed more: it imports Pillow.
GOALS_A = {"ProcessUploadFunction": Goal(1.25, "x (a)")}
DEFAULT_GOAL_A = Goal(1.10, "x (a)")
GOAL_B = Goal(1.0, "x (b)")

# Runs in the fresh process (`python -S -B`: no site-packages but the ones we put on the path, no
# .pyc written, as on Lambda's read-only /var/task). Prints the import's own duration in ns.
CHILD = """\
import sys, time
started = time.perf_counter_ns()
task, opt, runtime, module = sys.argv[1:5]
sys.path[:] = [task, opt, runtime, *[p for p in sys.path if p]]
__import__(module)
print(time.perf_counter_ns() - started)
"""


@dataclass(frozen=True)
class Target:
    """One module to import in fresh processes, with everything the process needs."""

    name: str
    task: Path
    module: str
    environment: Mapping[str, str]
    substitutions: tuple[Substitution, ...] = ()

    def command(self, layout: Layout, *flags: str) -> list[str]:
        return [sys.executable, "-S", "-B", *flags, "-c", CHILD, str(self.task), str(LAYER), str(layout.runtime),
                self.module]  # fmt: skip


@dataclass
class Samples:
    wall_ms: list[float] = field(default_factory=list)
    import_ms: list[float] = field(default_factory=list)


def lambda_environment(function_env: Mapping[str, str], layout: Layout, task: Path, handler: str) -> dict[str, str]:
    """The function's template environment as Lambda sets it, plus dummy credentials; never an endpoint."""
    environment = {
        key: value for key, value in function_env.items() if key not in ("AWS_SAM_LOCAL", "AWS_ENDPOINT_URL")
    }
    environment.update(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "HOME": str(layout.home),
            "AWS_CONFIG_FILE": str(layout.home / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(layout.home / "no-credentials"),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(task),
            "_HANDLER": handler,
        }
    )
    return environment


def targets(stack: Stack, layout: Layout) -> list[Target]:
    """The two baselines, then every function of the template, from .aws-sam/build."""
    functions = stack.functions()
    missing = [name for name in functions if not (BUILD / name).is_dir()]
    if missing or not LAYER.is_dir():
        raise SystemExit(f"Not built: {', '.join(missing) or 'CommonLayer'} - run `make build` first")
    # The baselines stand in for a redirect function: its environment (LINKS_TABLE for the seed style).
    baseline_env = lambda_environment(functions["RedirectLinkFunction"].environment, layout, BASELINES, "x.handler")
    found = [
        Target(BASELINE_CLIENT, BASELINES, "boto3_client", baseline_env),
        Target(BASELINE_SEED, BASELINES, "seed_style", baseline_env),
    ]
    for name, function in functions.items():
        task = layout.task_dir(BUILD / name)
        module = function.handler.rsplit(".", 1)[0]
        environment = lambda_environment(function.environment, layout, task.path, function.handler)
        found.append(Target(name, task.path, module, environment, tuple(task.substitutions)))
    return found


def probes(found: Sequence[Target]) -> list[Target]:
    """The probe modules, run like baseline (a) (same directory and environment)."""
    (baseline,) = (target for target in found if target.name == BASELINE_CLIENT)
    return [Target(name, baseline.task, module, baseline.environment) for name, module in PROBES.items()]


def probe_costs(counts: Mapping[str, int | None]) -> list[dict[str, Any]]:
    """Each probe's instructions over baseline (a), absolute and relative."""
    base = counts.get(BASELINE_CLIENT)
    rows = []
    for name in PROBES:
        count = counts.get(name)
        if base and count:
            rows.append({"probe": name, "instructions": count, "over_a": count - base, "ratio_a": count / base})
    return rows


def run_once(target: Target, layout: Layout) -> tuple[float, float]:
    """(process wall ms, import ms) of one fresh process."""
    started = time.perf_counter()
    result = subprocess.run(
        target.command(layout), env=dict(target.environment), capture_output=True, text=True, check=False
    )
    wall = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise RuntimeError(f"{target.name}: import failed:\n{result.stderr[-2000:]}")
    return wall, int(result.stdout.strip().splitlines()[-1]) / 1e6


def measure(
    found: Sequence[Target], layout: Layout, runs: int, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Samples]:
    """`runs` interleaved rounds, after one unrecorded round (it warms the page cache)."""
    samples: dict[str, Samples] = defaultdict(Samples)
    for target in found:
        run_once(target, layout)
    for index in range(runs):
        shift = index % len(found)
        for target in [*found[shift:], *found[:shift]]:
            wall, imported = run_once(target, layout)
            samples[target.name].wall_ms.append(wall)
            samples[target.name].import_ms.append(imported)
        progress(f"cold start: round {index + 1}/{runs}")
    return samples


def goal_a(name: str) -> Goal:
    return GOALS_A.get(name, DEFAULT_GOAL_A)


def goal_b(name: str) -> Goal | None:
    return None if name in GOALS_A else GOAL_B


def summarise(
    found: Sequence[Target], samples: Mapping[str, Samples], instructions: Mapping[str, int | None]
) -> list[dict[str, Any]]:
    """One row per target: medians, paired ratios against both baselines, instruction ratios, goals."""
    base_a, base_b = samples[BASELINE_CLIENT], samples[BASELINE_SEED]
    rows = []
    for target in found:
        mine = samples[target.name]
        ratio_a = Spread.of(paired_ratios(mine.wall_ms, base_a.wall_ms))
        ratio_b = Spread.of(paired_ratios(mine.wall_ms, base_b.wall_ms))
        count = instructions.get(target.name)
        count_a, count_b = instructions.get(BASELINE_CLIENT), instructions.get(BASELINE_SEED)
        row: dict[str, Any] = {
            "name": target.name,
            "baseline": target.name in (BASELINE_CLIENT, BASELINE_SEED),
            "wall_ms": Spread.of(mine.wall_ms).__dict__,
            "import_ms": Spread.of(mine.import_ms).__dict__,
            "wall_ratio_a": ratio_a.__dict__,
            "wall_ratio_b": ratio_b.__dict__,
            "instructions": count,
            "instructions_ratio_a": count / count_a if count and count_a else None,
            "instructions_ratio_b": count / count_b if count and count_b else None,
            "substitutions": [s.__dict__ for s in target.substitutions],
        }
        if not row["baseline"]:
            row["goals"] = _goals(target.name, row)
        rows.append(row)
    return rows


def _goals(name: str, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each goal checked on wall time and, where counted, on instructions. The verdict goes by
    instructions when there is a count (repeatable on a busy machine), else by wall time."""
    checks = []
    for suffix, goal in (("a", goal_a(name)), ("b", goal_b(name))):
        if goal is None:
            continue
        wall = row[f"wall_ratio_{suffix}"]["median"]
        counted = row[f"instructions_ratio_{suffix}"]
        checks.append(
            {
                "against": suffix,
                "goal": goal.text(),
                "wall_ratio": wall,
                "wall_met": goal.met(wall),
                "instructions_ratio": counted,
                "instructions_met": None if counted is None else goal.met(counted),
                "basis": "wall" if counted is None else "instructions",
                "met": goal.met(wall) if counted is None else goal.met(counted),
            }
        )
    return checks


def misses(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Functions that miss a goal (on the verdict's basis)."""
    return [row["name"] for row in rows if any(not check["met"] for check in row.get("goals", []))]
