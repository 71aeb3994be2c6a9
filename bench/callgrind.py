"""Instruction counts of whole cold-start processes under `valgrind --tool=callgrind`.

Instructions executed do not depend on what else the shared machine is doing, so one run per
target is enough (hash randomisation is pinned with PYTHONHASHSEED=0). Under callgrind a process
runs some 50 times slower (15-40 s each here), so:

- targets run in parallel, one per CPU (counts do not care about contention);
- a result is cached under `.aws-sam/bench-cache/` by a digest of everything the count depends on
  (the interpreter, valgrind, every file of the task and layer directories, the runtime packages'
  versions, the environment): the same inputs give the same count, so it is reused, not re-run;
- what would not finish inside the time budget is skipped and reported as such.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from bench.cold_start import CHILD, LAYER, ROOT, Target
from bench.lambda_layout import Layout
from bench.machine import cpus, valgrind_version

CACHE = ROOT / ".aws-sam" / "bench-cache" / "callgrind.json"
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def available() -> bool:
    return shutil.which("valgrind") is not None


@cache
def _tree_digest(directory: Path) -> str:
    """A digest of every file's relative path and content under `directory` (symlinks followed)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(target: Target, layout: Layout) -> str:
    parts = [
        sys.version,
        sys.executable,
        valgrind_version() or "",
        CHILD,
        target.module,
        _tree_digest(target.task),
        _tree_digest(LAYER),
        json.dumps(layout.runtime_versions(), sort_keys=True),
        # Paths differ per run (temporary directories) without changing what runs: leave them out.
        json.dumps({k: v for k, v in target.environment.items() if not v.startswith(str(layout.root))}, sort_keys=True),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def count(target: Target, layout: Layout, timeout: float) -> int:
    """Instructions executed by one fresh process importing `target`."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *target.command(layout)]
    result = subprocess.run(
        command,
        env={**target.environment, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    match = _COLLECTED.search(result.stderr)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"{target.name}: callgrind failed:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def _load_cache() -> dict[str, int]:
    try:
        loaded: dict[str, int] = json.loads(CACHE.read_text())
    except (OSError, ValueError):
        return {}
    return loaded


def _save_cache(entries: dict[str, int]) -> None:
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    temporary = CACHE.with_suffix(".tmp")
    temporary.write_text(json.dumps(entries, indent=1, sort_keys=True))
    os.replace(temporary, CACHE)


def count_all(
    found: Sequence[Target],
    layout: Layout,
    budget_s: float,
    progress: Callable[[str], None] = lambda _: None,
    priority: Iterable[str] = (),
) -> tuple[dict[str, int | None], dict[str, str]]:
    """Counts by target name (None when skipped), and how each was obtained (measured/cached/skipped)."""
    entries = _load_cache()
    keys = {target.name: cache_key(target, layout) for target in found}
    counts: dict[str, int | None] = {}
    how: dict[str, str] = {}
    todo = []
    for target in found:
        cached = entries.get(keys[target.name])
        if cached is not None:
            counts[target.name], how[target.name] = cached, "cached"
        else:
            todo.append(target)
    first = set(priority)  # the baselines: without them no ratio means anything
    todo.sort(key=lambda target: target.name not in first)  # stable: the rest keep their order
    deadline = time.monotonic() + budget_s

    def run(target: Target) -> None:
        remaining = deadline - time.monotonic()
        if remaining < 5:
            counts[target.name], how[target.name] = None, "skipped (time budget)"
            return
        try:
            counts[target.name] = count(target, layout, timeout=remaining)
            how[target.name] = "measured"
            entries[keys[target.name]] = counts[target.name]  # type: ignore[assignment]
        except subprocess.TimeoutExpired:
            counts[target.name], how[target.name] = None, "skipped (time budget)"
        progress(f"callgrind: {target.name}: {how[target.name]}")

    with ThreadPoolExecutor(max_workers=cpus()) as pool:
        list(pool.map(run, todo))
    _save_cache(entries)
    return counts, how
