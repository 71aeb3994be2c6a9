"""WSGI middleware for the emulator: counts DynamoDB writes, so stream pollers read a stream only after one.

Reading a stream on a timer would cost a GetRecords call every fraction of a second forever, and
moto keeps every shard iterator it ever handed out (about 2 KB each, never expired). A poller
waits here instead and reads as soon as a write has been served: lower latency, no idle cost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

type WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# DynamoDB operations that can add stream records (PartiQL statements may or may not: counted).
WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)


class TableWrites:
    """Wraps the emulator's app; `wait(seen, timeout)` returns once more writes than `seen` were served."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._count = 0
        self._changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.app(environ, start_response)
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        # DynamoDB requests are served whole (emulator._SerialisedDynamoDB): the write is done by now.
        if service.startswith("DynamoDB_") and operation in WRITES:
            with self._changed:
                self._count += 1
                self._changed.notify_all()
        return response

    @property
    def count(self) -> int:
        with self._changed:
            return self._count

    def wait(self, seen: int, timeout: float) -> int:
        """The write count, once it differs from `seen` or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._count != seen, timeout)
            return self._count
