"""Waiting for what a server does in the background (a processed upload, a mail), without sleeping blind."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll[T](check: Callable[[], T | None], timeout: float, what: str) -> T:
    """`check()`'s first value that is not None, asked every 50 ms for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (value := check()) is None:
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)
    return value
