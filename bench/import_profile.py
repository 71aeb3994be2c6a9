"""Why a cold start is slow: `-X importtime` of a function against baseline (a), by package.

Only modules the function imports and the baseline does not are counted (boto3 and the standard
library it pulls in are paid by both), each by its *self* time, the median of a few runs, then
summed per top-level package: "aws_lambda_powertools 38 ms (61 modules)" says where to look.
"""

from __future__ import annotations

import re
import statistics
import subprocess
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from bench.cold_start import Target
from bench.lambda_layout import Layout

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")


def parse_importtime(stderr: str) -> dict[str, int]:
    """Module -> self time in microseconds, from `python -X importtime`'s stderr."""
    found: dict[str, int] = {}
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match:
            found[match.group(4)] = int(match.group(1))
    return found


def self_times(target: Target, layout: Layout, runs: int = 3) -> dict[str, float]:
    """Module -> median self time (µs) over `runs` fresh processes."""
    samples: dict[str, list[int]] = defaultdict(list)
    for _ in range(runs):
        result = subprocess.run(
            target.command(layout, "-X", "importtime"),
            env=dict(target.environment),
            capture_output=True,
            text=True,
            check=False,
        )
        for module, micros in parse_importtime(result.stderr).items():
            samples[module].append(micros)
    return {module: statistics.median(values) for module, values in samples.items()}


def by_package(extra: Mapping[str, float], top: int = 6) -> list[dict[str, Any]]:
    """The packages holding most of the extra self time, heaviest first, with their heaviest modules."""
    packages: dict[str, list[str]] = defaultdict(list)
    for module in extra:
        packages[module.split(".")[0]].append(module)
    ranked = sorted(packages.items(), key=lambda item: -sum(extra[m] for m in item[1]))
    return [
        {
            "package": package,
            "ms": round(sum(extra[m] for m in modules) / 1000, 1),
            "modules": len(modules),
            "heaviest": [
                {"module": m, "ms": round(extra[m] / 1000, 1)} for m in sorted(modules, key=lambda m: -extra[m])[:3]
            ],
        }
        for package, modules in ranked[:top]
    ]


def explain(target: Target, baseline: Target, baseline_times: Mapping[str, float], layout: Layout) -> dict[str, Any]:
    """What `target` imports beyond `baseline`'s modules, and how long that takes (self times, ms).

    The baseline module's own self time is its `boto3.client(...)` call, which the function also
    makes, inside a module of its own (common.dynamo): it is subtracted to give the net figure.
    """
    mine = self_times(target, layout)
    extra = {module: micros for module, micros in mine.items() if module not in baseline_times}
    own = baseline_times.get(baseline.module, 0.0)
    return {
        "function": target.name,
        "extra_modules": len(extra),
        "extra_ms": round(sum(extra.values()) / 1000, 1),
        "baseline_own_ms": round(own / 1000, 1),
        "net_ms": round((sum(extra.values()) - own) / 1000, 1),
        "packages": by_package(extra),
    }
