"""AWS calls per operation, counted by botocore's own event hooks on the layer's clients.

`before-call` fires once per API request the client makes (retries excluded: they happen below
it, and the emulator does not throttle), and never for local work such as presigning a URL.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.operations import LINK_CODE, USER, WRITER, Fixtures
from devkit.events import redirect_event, shorten_event, stats_event, task_event

_HOOK = "before-call.*.*"
_HOOK_ID = "bench-count-calls"


def layer_clients() -> list[Any]:
    """Every botocore client the layer's modules hold (`common.dynamo.client`), or create on first
    use (`common.storage.client()`, `common.dynamo.no_retry_client()`)."""
    from botocore.client import BaseClient  # noqa: PLC0415

    found: dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        if name == "common" or name.startswith("common."):
            for attribute, value in vars(module).items():
                # A client the layer creates on first use is a functools.cache'd function.
                lazy = "client" in attribute and callable(value) and hasattr(value, "cache_info")
                candidate = value() if lazy else value
                if isinstance(candidate, BaseClient):
                    found[id(candidate)] = candidate
    return list(found.values())


class CallCounter:
    """Records `service:Operation` for every request the layer's clients make."""

    def __init__(self) -> None:
        import common.dynamo  # noqa: PLC0415 - imported once the endpoint is set
        import common.storage  # noqa: F401, PLC0415

        self.calls: list[str] = []
        self._active = False

    def _record(self, model: Any, event_name: str = "", **_: Any) -> None:
        if self._active:
            self.calls.append(f"{event_name.split('.')[1]}:{model.name}")

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The calls made inside the block (a fresh list each time)."""
        clients = layer_clients()  # looked up now: a function's import may have added modules
        for client in clients:
            client.meta.events.register(_HOOK, self._record, unique_id=_HOOK_ID)
        self.calls, self._active = [], True
        try:
            yield self.calls
        finally:
            self._active = False
            for client in clients:
                client.meta.events.unregister(_HOOK, unique_id=_HOOK_ID)


@dataclass(frozen=True)
class Case:
    """One operation as a client would do it; `expected` is the issue's goal, when it sets one.

    `prepare` does the set-up (creating the task to delete, reading the version to update from),
    uncounted, and returns what to count: it makes the requests and says how many operations or
    pages they were.
    """

    name: str
    prepare: Callable[[Fixtures], Callable[[], int]]
    expected: int | None
    unit: str = "per operation"


def _one(
    function: str, event: Callable[[Fixtures], dict[str, Any]], status: int
) -> Callable[[Fixtures], Callable[[], int]]:
    def prepare(f: Fixtures) -> Callable[[], int]:
        ready = event(f)

        def run() -> int:
            result = f.app.invoke(function, ready)
            if _status(result) != status:
                raise RuntimeError(f"{function}: expected {status}, got {result!r}"[:500])
            return 1

        return run

    return prepare


def _status(result: Any) -> int:
    return int(result.get("statusCode", 0)) if isinstance(result, dict) else 0


def _list_pages(f: Fixtures) -> Callable[[], int]:
    """Every page of a user's tasks, two at a time: one Query per page is the goal."""
    user = f"bench-pages-{len(f.task_ids)}"
    for _ in range(5):
        f.new_task(user)

    def run() -> int:
        pages, token = 0, None
        while True:
            query = {"limit": "2", **({"next_token": token} if token else {})}
            result = f.app.invoke("ListTasksFunction", task_event("GET", user, query=query))
            pages += 1
            token = json.loads(result["body"])["next_token"]
            if token is None or pages > 10:
                return pages

    return run


def _current_version(f: Fixtures, task_id: str) -> int:
    from common import dynamo  # noqa: PLC0415

    key = {"user_id": {"S": WRITER}, "task_id": {"S": task_id}}
    item = f.dynamodb.get_item(TableName=f.tasks_table, Key=key, ConsistentRead=True)["Item"]
    return int(dynamo.from_item(item)["version"])


def _patch(f: Fixtures, *, stale: bool) -> dict[str, Any]:
    task_id = f.new_task()
    version = _current_version(f, task_id) + (5 if stale else 0)
    return task_event("PATCH", WRITER, task_id, body={"status": "in_progress", "version": version})


ATTACHMENT = {"filename": "a.png", "content_type": "image/png", "size": 100}

CASES = (
    Case("redirect", _one("RedirectLinkFunction", lambda f: redirect_event(LINK_CODE), 301), 1),
    Case("redirect, unknown code (404)", _one("RedirectLinkFunction", lambda f: redirect_event("nope123"), 404), 1),
    Case("redirect, malformed code (404)", _one("RedirectLinkFunction", lambda f: redirect_event("a"), 404), 0),
    Case("shorten", _one("ShortenLinkFunction", lambda f: shorten_event({"url": "https://example.com/x"}), 201), 1),
    Case("link stats", _one("LinkStatsFunction", lambda f: stats_event(LINK_CODE), 200), None),
    Case("task create", _one("CreateTaskFunction", lambda f: task_event("POST", WRITER, body={"title": "t"}), 201), 1),
    Case("task get", _one("GetTaskFunction", lambda f: task_event("GET", USER, f.task_ids[0]), 200), 1),
    Case("task update", _one("UpdateTaskFunction", lambda f: _patch(f, stale=False), 200), 1),
    Case(
        "task update, stale version (409 + current)",
        _one("UpdateTaskFunction", lambda f: _patch(f, stale=True), 409),
        None,
    ),
    Case("task delete", _one("DeleteTaskFunction", lambda f: task_event("DELETE", WRITER, f.new_task()), 204), 1),
    Case("task list (5 tasks, limit=2)", _list_pages, 1, "per page"),
    Case(
        "attachment create (presigned POST)",
        _one(
            "CreateAttachmentFunction",
            lambda f: task_event("POST", WRITER, f.new_task(), suffix="/attachments", body=ATTACHMENT),
            201,
        ),
        None,
    ),
)


def count(fixtures: Fixtures) -> list[dict[str, Any]]:
    """One row per case: the calls made, how many per operation or page, and the goal."""
    counter = CallCounter()
    rows = []
    for case in CASES:
        run = case.prepare(fixtures)
        with counter.counting() as calls:
            units = run()
        per_unit = len(calls) / units
        rows.append(
            {
                "operation": case.name,
                "calls": list(calls),
                "count": len(calls),
                "units": units,
                "per_unit": per_unit,
                "unit": case.unit,
                "goal": case.expected,
                "met": None if case.expected is None else per_unit == case.expected,
            }
        )
    return rows
