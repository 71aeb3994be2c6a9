"""WSGI middleware for the emulator: counts the writes it serves, per table and to buckets.

A stream poller reads its table's stream only after a write to that table, and `make run`'s saved
data (devserver/saved_data.py) is saved again only after something changed.

Reading a stream on a timer would cost a GetRecords call every fraction of a second forever, and
moto keeps every shard iterator it ever handed out (about 2 KB each, never expired). A poller
waits here instead and reads as soon as a write to its table has been served: lower latency, no
idle cost, and no read at all for the writes of tables it does not follow (every redirect writes
the links table: waking the tasks table's poller for each would put a GetRecords call, and its
share of this process's CPU, next to every redirect).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from devkit.wsgi_body import StartResponse, WsgiApp, read_body

# DynamoDB operations that can add stream records, and where each names its tables.
_SINGLE_TABLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
_PARTIQL_WRITES = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
WRITES = _SINGLE_TABLE_WRITES | _PARTIQL_WRITES | {"BatchWriteItem", "TransactWriteItems"}
# S3's writes have no X-Amz-Target; SQS's and DynamoDB Streams' requests do (and are not counted).
_S3_WRITE_METHODS = frozenset({"PUT", "POST", "DELETE"})


class Writes:
    """Wraps the emulator's app; `wait(table, seen, timeout)` returns once `table` has had more writes than `seen`."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._counts: Counter[str] = Counter()
        self._any_table = 0  # writes whose tables are not known (PartiQL): they count for every table
        self._buckets = 0
        self._changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, operation = target.partition(".")
        if not (service.startswith("DynamoDB_") and operation in WRITES):
            response = self.app(environ, start_response)  # moto has done the work when this returns
            if not target and environ.get("REQUEST_METHOD") in _S3_WRITE_METHODS:
                with self._changed:  # S3 (no X-Amz-Target) may have changed a bucket
                    self._buckets += 1
            return response
        body = read_body(environ)
        response = self.app(environ, start_response)
        # DynamoDB requests are served whole (emulator._SerialisedDynamoDB): the write is done by now.
        tables = written_tables(operation, body)
        with self._changed:
            if tables is None:
                self._any_table += 1
            else:
                self._counts.update(tables)
            self._changed.notify_all()
        return response

    @property
    def bucket_writes(self) -> int:
        """Requests served so far that may have changed a bucket (its objects, their metadata or tags)."""
        with self._changed:
            return self._buckets

    def count(self, table: str) -> int:
        """Writes served so far that may have changed `table`."""
        with self._changed:
            return self._count(table)

    def wait(self, table: str, seen: int, timeout: float) -> int:
        """`table`'s write count, once it differs from `seen` or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._count(table) != seen, timeout)
            return self._count(table)

    def _count(self, table: str) -> int:  # with the lock held
        return self._counts[table] + self._any_table


def written_tables(operation: str, body: bytes) -> set[str] | None:
    """The names of the tables a write request names; None when it cannot tell (PartiQL, a body it cannot read)."""
    try:
        request = json.loads(body)
        if operation in _SINGLE_TABLE_WRITES:
            names = [request["TableName"]]
        elif operation == "BatchWriteItem":
            names = list(request["RequestItems"])
        elif operation == "TransactWriteItems":
            names = [action["TableName"] for item in request["TransactItems"] for action in item.values()]
        else:
            return None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # moto answers the malformed request; count it for every table, to be safe
    # A table may be named by its ARN (arn:aws:dynamodb:<region>:<account>:table/<name>).
    return {str(name).rpartition(":table/")[2] for name in names}
