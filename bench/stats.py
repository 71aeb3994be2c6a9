"""Small statistics for noisy measurements: medians, percentiles, spreads and goal checks."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` (0-1) percentile by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Spread:
    """A median with the interquartile range: what one number hides on a shared machine."""

    median: float
    p25: float
    p75: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), percentile(values, 0.25), percentile(values, 0.75), len(values))

    def text(self, digits: int = 2, unit: str = "") -> str:
        return f"{self.median:.{digits}f}{unit} ({self.p25:.{digits}f}-{self.p75:.{digits}f})"


def paired_ratios(ours: Sequence[float], theirs: Sequence[float]) -> list[float]:
    """Ratio of each pair measured side by side (same round): noise common to both cancels out."""
    return [a / b for a, b in zip(ours, theirs, strict=True)]


@dataclass(frozen=True)
class Goal:
    """`value <= limit` (every goal of the bench is an upper bound)."""

    limit: float
    label: str = ""

    def met(self, value: float) -> bool:
        return value <= self.limit

    def text(self) -> str:
        return f"<= {self.limit:g}{self.label}"
