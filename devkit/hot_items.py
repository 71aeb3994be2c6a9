"""DynamoDB's per-item write limit, which moto does not have: for trying out hot links locally.

In AWS one item lives in one partition, which takes about 1,000 writes per second; past that,
writes to it fail with ProvisionedThroughputExceededException. This WSGI middleware gives every
item the same kind of limit at a rate of your choosing (a token bucket per table and key, one
second deep), so `make run` can show what a viral link does. Off unless configured:
`python -m devserver --item-write-limit 50`, `DEVSERVER_ITEM_WRITE_LIMIT=50`, or at run time
`PUT /devserver-api/item-write-limit` with `{"limit": 50}` (`{"limit": null}` turns it off).

Only UpdateItem and DeleteItem name their item by key; PutItem is left alone (its key attributes
are mixed with the rest of the item, and this app never puts hot items).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from devkit.faults import throughput_exceeded
from devkit.wsgi_body import StartResponse, WsgiApp, json_response, read_body

ENVIRONMENT_VARIABLE = "DEVSERVER_ITEM_WRITE_LIMIT"
CONTROL_PATH = "/devserver-api/item-write-limit"
_KEYED_WRITES = ("DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.DeleteItem")


class ItemWriteLimit:
    """WSGI middleware: at most `limit` writes per second to any one DynamoDB item."""

    def __init__(self, app: WsgiApp, limit: float | None = None) -> None:
        self.app = app
        self._limit = limit
        self._buckets: dict[str, tuple[float, float]] = {}  # item -> (tokens, last refill)
        self._throttled = 0
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, app: WsgiApp) -> ItemWriteLimit:
        value = os.environ.get(ENVIRONMENT_VARIABLE, "")
        return cls(app, float(value) if value else None)

    def configure(self, limit: float | None) -> None:
        with self._lock:
            self._limit, self._buckets, self._throttled = limit, {}, 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return self._control(environ, start_response)
        if self._limit is None or environ.get("HTTP_X_AMZ_TARGET") not in _KEYED_WRITES:
            return self.app(environ, start_response)
        if self._take(_item_of(read_body(environ))):
            return self.app(environ, start_response)
        return throughput_exceeded(start_response)

    def _take(self, item: str) -> bool:
        with self._lock:
            limit = self._limit
            if limit is None:
                return True
            now = time.monotonic()
            depth = max(1.0, limit) if limit > 0 else 0.0  # one second's worth, and at least one write
            tokens, last = self._buckets.get(item, (depth, now))
            tokens = min(depth, tokens + (now - last) * limit)
            if tokens >= 1:
                self._buckets[item] = (tokens - 1, now)
                return True
            self._buckets[item] = (tokens, now)
            self._throttled += 1
            return False

    def _control(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD") == "PUT":
            try:
                limit = json.loads(read_body(environ))["limit"]
                if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return json_response(
                    start_response, "400 Bad Request", {"error": 'expected {"limit": <writes/s or null>}'}
                )
            self.configure(None if limit is None else float(limit))
        with self._lock:
            return json_response(start_response, "200 OK", {"limit": self._limit, "throttled": self._throttled})


def _item_of(body: bytes) -> str:
    """`table/key` of an UpdateItem or DeleteItem request, as a stable string."""
    try:
        request = json.loads(body)
        return f"{request['TableName']}/{json.dumps(request['Key'], sort_keys=True)}"
    except (ValueError, KeyError, TypeError):
        return ""  # malformed: moto will say so
