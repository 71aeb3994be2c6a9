"""The one summary of noisy samples the bench reports: a median with its interquartile range."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def spread(values: Sequence[float]) -> dict[str, float]:
    """{"median", "p25", "p75"} of `values` (a single value is its own spread)."""
    if len(values) < 2:
        return dict.fromkeys(("median", "p25", "p75"), float(values[0]))
    p25, median, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return {"median": median, "p25": p25, "p75": p75}
