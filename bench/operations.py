"""One representative request per function (and the variants whose AWS calls the app promises),
with the data they need, all made through the handlers themselves.

Nothing here knows the layer's modules or items: a link is made by ShortenLinkFunction, a task by
CreateTaskFunction, so the bench keeps working however the layer is reshaped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.in_process import InProcessApp
from devkit.events import http_event, qr_event, redirect_event, shorten_event, stats_event, stream_event, task_event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LINK_CODE = "bench-link"
TARGET_URL = "https://example.com/articles/2026/a-benchmark-of-a-serverless-app"
USER = "bench-user"  # holds the tasks that are read: its page never changes
TASKS_PER_USER = 10
WRITER = "bench-writer"  # owns the tasks that are changed
TASK = {"title": "Learn AWS Lambda", "description": "Build and deploy a serverless API"}
ATTACHMENT = {"filename": "photo.jpg", "content_type": "image/jpeg", "size": 250_000}
OVERHEAD_GOAL = 1.15  # handler / its own AWS calls made bare, warm


@dataclass
class Fixtures:
    """The link and the tasks the requests need."""

    app: InProcessApp
    user_tasks: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, app: InProcessApp) -> Fixtures:
        fixtures = cls(app)
        fixtures.call("ShortenLinkFunction", shorten_event({"url": TARGET_URL, "alias": LINK_CODE}), 201)
        fixtures.user_tasks = [fixtures.new_task(USER) for _ in range(TASKS_PER_USER)]
        return fixtures

    def call(self, function: str, event: dict[str, Any], status: int) -> dict[str, Any]:
        result = self.app.invoke(function, event)
        if outcome(result) != status:
            raise RuntimeError(f"{function} answered {result!r}"[:500])
        body: dict[str, Any] = json.loads(result["body"]) if result.get("body") else {}
        return body

    def stored_items(self, dynamodb: DynamoDBClient) -> dict[str, dict[str, Any]]:
        """The link and one of the tasks that are read, as stored (for their sizes)."""
        links = self.app.function("ShortenLinkFunction").environment["LINKS_TABLE"]
        tasks = self.app.function("GetTaskFunction").environment["TASKS_TABLE"]
        task_key = {"user_id": {"S": USER}, "task_id": {"S": self.user_tasks[0]}}
        return {
            "link": dynamodb.get_item(TableName=links, Key={"shortCode": {"S": LINK_CODE}})["Item"],
            "task": dynamodb.get_item(TableName=tasks, Key=task_key)["Item"],
        }

    def new_task(self, user: str = WRITER) -> str:
        task_id: str = self.call("CreateTaskFunction", task_event("POST", user, body=TASK), 201)["task_id"]
        return task_id


def outcome(result: Any) -> object:
    """What says a call went as expected: an HTTP status, else the result itself."""
    return result.get("statusCode", result) if isinstance(result, dict) else result


@dataclass(frozen=True)
class Operation:
    """A request to one function. `calls` is the AWS calls per request the app promises (docs/performance.md);
    `overhead_goal` bounds the handler's time over its own calls made bare (None: not measured, or
    what the handler adds is the function's work, not overhead)."""

    name: str
    function: str
    event: Callable[[Fixtures], dict[str, Any]]
    expect: object
    calls: int | None = 1
    timed: bool = True
    overhead_goal: float | None = OVERHEAD_GOAL


def _patch(version: int) -> Callable[[Fixtures], dict[str, Any]]:
    return lambda f: task_event("PATCH", WRITER, f.new_task(), body={"status": "in_progress", "version": version})


OPERATIONS = (
    Operation("shorten", "ShortenLinkFunction", lambda f: shorten_event({"url": TARGET_URL}), 201),
    Operation("redirect", "RedirectLinkFunction", lambda f: redirect_event(LINK_CODE), 301),
    Operation("redirect, unknown code", "RedirectLinkFunction", lambda f: redirect_event("nope123"), 404, timed=False),
    Operation("redirect, malformed code", "RedirectLinkFunction", lambda f: redirect_event("a"), 404, 0, timed=False),
    Operation("link stats", "LinkStatsFunction", lambda f: stats_event(LINK_CODE), 200),
    # Drawing the SVG is what the function is for: no overhead goal.
    Operation("QR code", "LinkQrCodeFunction", lambda f: qr_event(LINK_CODE), 200, overhead_goal=None),
    Operation("web page", "WebPageFunction", lambda f: http_event("GET", "/"), 200, 0, overhead_goal=None),
    Operation("task create", "CreateTaskFunction", lambda f: task_event("POST", WRITER, body=TASK), 201),
    Operation("task list (one page)", "ListTasksFunction", lambda f: task_event("GET", USER), 200),
    Operation("task get", "GetTaskFunction", lambda f: task_event("GET", USER, f.user_tasks[0]), 200),
    Operation("task update", "UpdateTaskFunction", _patch(1), 200),
    Operation("task update, stale version", "UpdateTaskFunction", _patch(7), 409, timed=False),
    Operation("task delete", "DeleteTaskFunction", lambda f: task_event("DELETE", WRITER, f.new_task()), 204),
    Operation(  # presigning the upload form is the function's work, and no AWS call: no overhead goal
        "attachment create",
        "CreateAttachmentFunction",
        lambda f: task_event("POST", WRITER, f.new_task(), suffix="/attachments", body=ATTACHMENT),
        201,
        overhead_goal=None,
    ),
    Operation(
        "task cleanup (stream)",
        "CleanupTaskFunction",
        lambda f: stream_event((USER, f.user_tasks[-1])),
        {"batchItemFailures": []},
        calls=None,
    ),
)
