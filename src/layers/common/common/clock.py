"""Time as the API shows it (ISO 8601, UTC, seconds) and as DynamoDB TTL stores it (epoch seconds)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_epoch() -> int:
    return int(time.time())


def iso(epoch: int) -> str:
    """`2026-11-23T12:00:00Z` for an epoch second."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
