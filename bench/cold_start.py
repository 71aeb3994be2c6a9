"""Cold start: a fresh Python process importing each function's handler module, as Lambda would.

Every function, from the *built* artifacts (lambda_layout.py), and the baseline,
`cold_start_baselines/boto3_client.py` (`import boto3; boto3.client("dynamodb")`: the least a
function can do), are imported in fresh processes with the function's template environment, dummy
credentials and no network.

- Instructions (instructions.py), one run each: the verdict, as they do not depend on how busy
  the shared machine is. Goals: API functions at most 1.05x the baseline, a function that carries
  a library of its own more (process_upload, Pillow: 1.25x; the QR code, segno: 1.10x), the others
  1.10x.
- Wall time, secondary: the whole process (spawn to exit), what Lambda's Init phase pays for; the
  best of `runs` rounds, each starting every target once in an order rotated per round (other
  work on a shared machine only ever adds time).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bench import instructions
from bench.lambda_layout import RUNTIME_DISTRIBUTIONS, Layout, requirement_closure
from devkit.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
LAYER = BUILD / "CommonLayer" / "python"
BASELINE = "baseline: boto3 client"
API_GOAL = 1.05  # functions behind the HTTP API: what a request waits for
# A library a function exists to use is its own budget: Pillow decodes uploads, segno draws QR codes.
GOALS = {"ProcessUploadFunction": 1.25, "LinkQrCodeFunction": 1.10}
OTHER_GOAL = 1.10

# Runs in the fresh process (`python -S -B`: no site-packages but the ones put on the path, no .pyc
# written, as on Lambda's read-only /var/task).
CHILD = """\
import sys
task, opt, runtime, module = sys.argv[1:5]
sys.path[:] = [task, opt, runtime, *[p for p in sys.path if p]]
__import__(module)
"""


@dataclass(frozen=True)
class Target:
    """One module to import in fresh processes, with everything the process needs."""

    name: str
    built: Path  # what `sam build` made (the baseline: its own folder)
    task: Path  # what the process imports from: `built`, or its copy runnable on this CPU
    module: str
    environment: Mapping[str, str]
    runtime: Path
    goal: float | None = None
    substitutions: tuple[str, ...] = ()

    def command(self) -> list[str]:
        return [sys.executable, "-S", "-B", "-c", CHILD, str(self.task), str(LAYER), str(self.runtime), self.module]

    def fingerprint(self) -> list[str]:
        """The files, packages and environment the process runs with (temporary paths left out)."""
        temporary = str(self.runtime.parent)
        environment = {k: v for k, v in self.environment.items() if not v.startswith(temporary)}
        versions = {name: importlib.metadata.version(name) for name in requirement_closure(RUNTIME_DISTRIBUTIONS)}
        return [CHILD, self.module, _tree_digest(self.built), _tree_digest(LAYER), *self.substitutions,
                json.dumps(versions, sort_keys=True), json.dumps(environment, sort_keys=True)]  # fmt: skip


@cache
def _tree_digest(directory: Path) -> str:
    """A digest of every file's relative path and content under `directory`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def lambda_environment(function_env: Mapping[str, str], layout: Layout, task: Path, handler: str) -> dict[str, str]:
    """The function's template environment as Lambda sets it, plus dummy credentials; never an endpoint."""
    environment = {k: v for k, v in function_env.items() if k not in ("AWS_SAM_LOCAL", "AWS_ENDPOINT_URL")}
    return environment | {
        "PATH": "/usr/local/bin:/usr/bin:/bin",  # fixed: a count must not depend on the caller's PATH
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


def targets(stack: Stack, layout: Layout) -> list[Target]:
    """The baseline, then every function of the template, from .aws-sam/build."""
    functions = stack.functions()
    missing = [name for name in functions if not (BUILD / name).is_dir()]
    if missing or not LAYER.is_dir():
        raise SystemExit(f"Not built: {', '.join(missing) or 'CommonLayer'} - run `make build` first")
    baselines = Path(__file__).resolve().parent / "cold_start_baselines"
    # The baseline stands in for a redirect function: its environment.
    environment = lambda_environment(functions["RedirectLinkFunction"].environment, layout, baselines, "x.handler")
    found = [Target(BASELINE, baselines, baselines, "boto3_client", environment, layout.runtime)]
    properties = stack.resources("AWS::Serverless::Function")
    for name, function in functions.items():
        task, substitutions = layout.task_dir(BUILD / name)
        events = {event["Type"] for event in (properties[name].get("Events") or {}).values()}
        goal = GOALS.get(name, API_GOAL if "HttpApi" in events else OTHER_GOAL)
        environment = lambda_environment(function.environment, layout, task, function.handler)
        module = function.handler.rsplit(".", 1)[0]
        found.append(Target(name, BUILD / name, task, module, environment, layout.runtime, goal, tuple(substitutions)))
    return found


def wall_times(
    found: Sequence[Target], runs: int, progress: Callable[[str], None] = lambda _: None
) -> dict[str, list[float]]:
    """Milliseconds per target over `runs` interleaved rounds, after one unrecorded round (page cache)."""
    samples: dict[str, list[float]] = {target.name: [] for target in found}
    for index in range(-1, runs):
        shift = max(index, 0) % len(found)
        for target in [*found[shift:], *found[:shift]]:
            started = time.perf_counter()
            result = subprocess.run(target.command(), env=dict(target.environment), capture_output=True, check=False)
            if result.returncode != 0:
                raise RuntimeError(f"{target.name}: import failed:\n{result.stderr.decode()[-2000:]}")
            if index >= 0:
                samples[target.name].append((time.perf_counter() - started) * 1000)
        if index >= 0:
            progress(f"cold start: round {index + 1}/{runs}")
    return samples


def summarise(
    found: Sequence[Target], wall: Mapping[str, list[float]], counts: Mapping[str, int]
) -> list[dict[str, Any]]:
    """One row per target: instructions and their ratio to the baseline (the verdict), wall time."""
    base, base_wall = counts.get(BASELINE), min(wall[BASELINE])
    rows = []
    for target in found:
        count = counts.get(target.name)
        ratio = count / base if count and base else None
        rows.append(
            {
                "name": target.name,
                "instructions": count,
                "ratio": ratio,
                "goal": target.goal,
                "met": None if target.goal is None or ratio is None else ratio <= target.goal,
                "wall_ms": min(wall[target.name]),
                "wall_ratio": min(wall[target.name]) / base_wall,
                "substitutions": list(target.substitutions),
            }
        )
    return rows


def measure(
    stack: Stack, runs: int, *, count_instructions: bool, progress: Callable[[str], None] = lambda _: None
) -> list[dict[str, Any]]:
    """Every target's row; instructions only when valgrind is installed and `count_instructions`."""
    with Layout() as layout:
        found = targets(stack, layout)
        wall = wall_times(found, runs, progress)
        counts: dict[str, int] = {}
        if count_instructions and instructions.valgrind_version():
            counts, cached = instructions.count_all(found, progress)
            progress(f"instructions: {cached} of {len(found)} from the cache")
        return summarise(found, wall, counts)
