"""Instructions executed by whole cold-start processes, counted by valgrind.

Instructions do not depend on what else the shared machine is doing, so one run per target is
enough (hash randomisation pinned with PYTHONHASHSEED=0). The count is cachegrind's `I refs`
without its cache simulation: the same count as callgrind's, at about half its cost; a process
still runs some 20-40 times slower under it, so:

- targets run in parallel, one per CPU (counts do not care about contention);
- a count is cached under `.aws-sam/bench-cache/` by a digest of everything it depends on (the
  interpreter, valgrind and the target's fingerprint: its files, packages and environment): the
  same inputs give the same count, so it is reused, not re-run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.cold_start import Target

CACHE = Path(__file__).resolve().parents[1] / ".aws-sam" / "bench-cache" / "instructions.json"
_COUNT = re.compile(r"I\s+refs:\s+([\d,]+)")


def valgrind_version() -> str | None:
    if shutil.which("valgrind") is None:
        return None
    return subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False).stdout.strip()


def cache_key(target: Target) -> str:
    """What the count depends on: the interpreter, valgrind, and the target's files, packages and environment."""
    parts = [sys.version, str(valgrind_version()), *target.fingerprint()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def count(target: Target, timeout: float = 600) -> int:
    """Instructions executed by one fresh process of `target`."""
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    result = subprocess.run(
        [*valgrind, *target.command()],
        env={**target.environment, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    match = _COUNT.search(result.stderr)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"{target.name}: valgrind failed:\n{result.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def count_all(
    targets: Sequence[Target], progress: Callable[[str], None] = lambda _: None
) -> tuple[dict[str, int], int]:
    """Counts by target name, and how many of them came from the cache."""
    try:
        entries: dict[str, int] = json.loads(CACHE.read_text())
    except (OSError, ValueError):
        entries = {}
    keys = {target.name: cache_key(target) for target in targets}
    counts = {target.name: entries[keys[target.name]] for target in targets if keys[target.name] in entries}
    cached = len(counts)

    def run(target: Target) -> None:
        counts[target.name] = entries[keys[target.name]] = count(target)
        progress(f"instructions: {target.name}")

    with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        list(pool.map(run, [target for target in targets if target.name not in counts]))
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(entries, indent=1, sort_keys=True))
    return counts, cached
