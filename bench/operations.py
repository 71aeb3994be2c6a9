"""One representative request per function, and the bare boto3 call(s) the handler makes for it.

`prepare(fixtures)` does any set-up one call needs (a fresh task to delete, the next version to
update with), untimed, and returns the call to time. The bare side makes the same DynamoDB/S3
request with the layer's own client (so both sides share one connection pool and config), with
none of the handler's parsing, validation, logging or metrics: the difference is the overhead.
`warm.py` checks at run time that both sides really make the same AWS calls.
"""

from __future__ import annotations

import io
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.in_process import InProcessApp
from devkit.events import http_event, qr_event, redirect_event, shorten_event, stats_event, task_event

type Call = Callable[[], Any]
type Prepare = Callable[[Fixtures], Call]

LINK_CODE = "bench-link"
USER = "bench-user"  # holds the tasks that are read: list_tasks returns exactly these
TASKS_PER_USER = 10
WRITER = "bench-writer"  # owns the tasks created, updated and deleted, so USER's page stays the same
TARGET_URL = "https://example.com/articles/2026/a-benchmark-of-a-serverless-app"
ATTACHMENTS_PER_TASK = 19  # the layer allows 20 per task: a fresh task before it is full


@dataclass
class Fixtures:
    """The data the requests need, created once in the emulator, and the layer's clients."""

    app: InProcessApp
    links_table: str
    tasks_table: str
    bucket: str
    task_ids: list[str] = field(default_factory=list)
    _versions: dict[str, int] = field(default_factory=dict)
    _attachment_slots: dict[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def create(cls, app: InProcessApp) -> Fixtures:
        from common import links  # noqa: PLC0415 - the layer is imported once the endpoint is set

        shorten = app.function("ShortenLinkFunction").environment
        tasks_env = app.function("ListTasksFunction").environment
        fixtures = cls(app, shorten["LINKS_TABLE"], tasks_env["TASKS_TABLE"], tasks_env["BUCKET_NAME"])
        with app.environment("ShortenLinkFunction"):
            links.create_link(TARGET_URL, expires_in_days=365, alias=LINK_CODE)
        fixtures.task_ids = [fixtures.new_task(USER) for _ in range(TASKS_PER_USER)]
        return fixtures

    @property
    def dynamodb(self) -> Any:
        from common import dynamo  # noqa: PLC0415

        return dynamo.client

    @property
    def s3(self) -> Any:
        from common import storage  # noqa: PLC0415

        return storage.client()

    def new_task(self, user: str = WRITER) -> str:
        """A task stored the way create_task stores one; its id."""
        from common import tasks  # noqa: PLC0415

        with self.app.environment("CreateTaskFunction"):
            task = tasks.create_task(user, {"title": "Benchmark task", "description": "Measure the overhead"})
        task_id: str = task["task_id"]
        self._versions[task_id] = 1
        return task_id

    def next_version(self, side: str) -> tuple[str, int]:
        """A task of `side`'s own (created on first use) and the version it is at now; counts one update."""
        key = f"update-{side}"
        if key not in self._attachment_slots:
            self._attachment_slots[key] = (self.new_task(), 0)
        task_id = self._attachment_slots[key][0]
        version = self._versions[task_id]
        self._versions[task_id] = version + 1
        return task_id, version

    def attachment_task(self, side: str) -> str:
        """A task of `side`'s own with room for one more attachment."""
        key = f"attach-{side}"
        task_id, used = self._attachment_slots.get(key, ("", ATTACHMENTS_PER_TASK))
        if used >= ATTACHMENTS_PER_TASK:
            task_id, used = self.new_task(), 0
        self._attachment_slots[key] = (task_id, used + 1)
        return task_id


@dataclass(frozen=True)
class Operation:
    name: str
    function: str
    handler: Prepare  # returns the event-invoking call
    bare: Prepare | None  # None: the handler makes no AWS call to compare with
    status: int | None = None  # the expected statusCode (HTTP functions)


def _invoke(fixtures: Fixtures, function: str, event: dict[str, Any]) -> Call:
    handler, context = fixtures.app.handler(function), fixtures.app.context(function)
    return lambda: handler(event, context)


def _random_code() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(7))


# --- Links ------------------------------------------------------------------------------------


def shorten_handler(f: Fixtures) -> Call:
    return _invoke(f, "ShortenLinkFunction", shorten_event({"url": TARGET_URL}))


def shorten_bare(f: Fixtures) -> Call:
    from common import clock, dynamo  # noqa: PLC0415

    now = clock.now_epoch()
    item = dynamo.to_item(
        {
            "shortCode": _random_code(),
            "longUrl": TARGET_URL,
            "createdAt": now,
            "expiresAt": now + 365 * 86400,
            "clicks": 0,
        }
    )
    return lambda: f.dynamodb.put_item(
        TableName=f.links_table, Item=item, ConditionExpression="attribute_not_exists(shortCode)"
    )


def redirect_handler(f: Fixtures) -> Call:
    return _invoke(f, "RedirectLinkFunction", redirect_event(LINK_CODE))


def redirect_bare(f: Fixtures) -> Call:
    from common import clock  # noqa: PLC0415

    return lambda: f.dynamodb.update_item(
        TableName=f.links_table,
        Key={"shortCode": {"S": LINK_CODE}},
        UpdateExpression="ADD clicks :one",
        ConditionExpression="attribute_exists(shortCode) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)",
        ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(clock.now_epoch())}},
        ReturnValues="ALL_NEW",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )


def stats_handler(f: Fixtures) -> Call:
    return _invoke(f, "LinkStatsFunction", stats_event(LINK_CODE))


def stats_bare(f: Fixtures) -> Call:
    # The link's own counter and its click shards (common/link_clicks.py), in one BatchGetItem.
    shards = int(f.app.function("LinkStatsFunction").environment.get("CLICK_SHARDS", "10"))
    keys = [LINK_CODE, *(f"{LINK_CODE}#{n}" for n in range(shards))]
    request = {f.links_table: {"Keys": [{"shortCode": {"S": key}} for key in keys], "ConsistentRead": True}}
    return lambda: f.dynamodb.batch_get_item(RequestItems=request)


def qr_handler(f: Fixtures) -> Call:
    return _invoke(f, "LinkQrCodeFunction", qr_event(LINK_CODE))


def qr_bare(f: Fixtures) -> Call:
    # The read, and the QR code it has to draw anyway: the SVG is the function's work, not overhead.
    import segno  # noqa: PLC0415

    def call() -> str:
        f.dynamodb.get_item(TableName=f.links_table, Key={"shortCode": {"S": LINK_CODE}}, ConsistentRead=True)
        out = io.BytesIO()
        url = f"https://abcdef1234.execute-api.us-east-1.amazonaws.com/{LINK_CODE}"
        segno.make_qr(url, error="m").save(out, kind="svg", xmldecl=False, nl=False, scale=8, border=4, light="#fff")
        return out.getvalue().decode()

    return call


def page_handler(f: Fixtures) -> Call:
    return _invoke(f, "WebPageFunction", http_event("GET", "/"))


# --- Tasks ------------------------------------------------------------------------------------


def create_task_handler(f: Fixtures) -> Call:
    body = {"title": "Learn AWS Lambda", "description": "Build and deploy a serverless API"}
    return _invoke(f, "CreateTaskFunction", task_event("POST", WRITER, body=body))


def create_task_bare(f: Fixtures) -> Call:
    from common import clock, dynamo, ids  # noqa: PLC0415

    now = clock.now_epoch()
    values = {
        "user_id": WRITER,
        "task_id": ids.new_id(),
        "title": "Learn AWS Lambda",
        "description": "Build and deploy a serverless API",
        "status": "pending",
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "attachments": {},
    }
    item = dynamo.to_item(values)
    return lambda: f.dynamodb.put_item(
        TableName=f.tasks_table, Item=item, ConditionExpression="attribute_not_exists(task_id)"
    )


def list_tasks_handler(f: Fixtures) -> Call:
    return _invoke(f, "ListTasksFunction", task_event("GET", USER))


def list_tasks_bare(f: Fixtures) -> Call:
    return lambda: f.dynamodb.query(
        TableName=f.tasks_table,
        KeyConditionExpression="user_id = :user",
        ExpressionAttributeValues={":user": {"S": USER}},
        ScanIndexForward=False,
        Limit=50,
    )


def get_task_handler(f: Fixtures) -> Call:
    return _invoke(f, "GetTaskFunction", task_event("GET", USER, f.task_ids[0]))


def get_task_bare(f: Fixtures) -> Call:
    key = {"user_id": {"S": USER}, "task_id": {"S": f.task_ids[0]}}
    return lambda: f.dynamodb.get_item(TableName=f.tasks_table, Key=key, ConsistentRead=True)


def update_task_handler(f: Fixtures) -> Call:
    task_id, version = f.next_version("handler")
    body = {"status": "done" if version % 2 else "pending", "version": version}
    return _invoke(f, "UpdateTaskFunction", task_event("PATCH", WRITER, task_id, body=body))


def update_task_bare(f: Fixtures) -> Call:
    from common import clock  # noqa: PLC0415

    task_id, version = f.next_version("bare")
    return lambda: f.dynamodb.update_item(
        TableName=f.tasks_table,
        Key={"user_id": {"S": WRITER}, "task_id": {"S": task_id}},
        UpdateExpression="SET #updated_at = :now, #version = #version + :one, #status = :status",
        ConditionExpression="attribute_exists(task_id) AND #version = :version",
        ExpressionAttributeNames={"#version": "version", "#updated_at": "updated_at", "#status": "status"},
        ExpressionAttributeValues={
            ":version": {"N": str(version)},
            ":one": {"N": "1"},
            ":now": {"N": str(clock.now_epoch())},
            ":status": {"S": "done" if version % 2 else "pending"},
        },
        ReturnValues="ALL_NEW",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )


def delete_task_handler(f: Fixtures) -> Call:
    return _invoke(f, "DeleteTaskFunction", task_event("DELETE", WRITER, f.new_task()))


def delete_task_bare(f: Fixtures) -> Call:
    key = {"user_id": {"S": WRITER}, "task_id": {"S": f.new_task()}}
    return lambda: f.dynamodb.delete_item(
        TableName=f.tasks_table, Key=key, ConditionExpression="attribute_exists(task_id)"
    )


ATTACHMENT = {"filename": "photo.jpg", "content_type": "image/jpeg", "size": 250_000}


def create_attachment_handler(f: Fixtures) -> Call:
    event = task_event("POST", WRITER, f.attachment_task("handler"), suffix="/attachments", body=ATTACHMENT)
    return _invoke(f, "CreateAttachmentFunction", event)


def create_attachment_bare(f: Fixtures) -> Call:
    from common import attachments, clock, dynamo, ids, storage  # noqa: PLC0415

    task_id, attachment_id, now = f.attachment_task("bare"), ids.new_id(), clock.now_epoch()
    entry = dynamo.to_item(
        {"v": {**ATTACHMENT, "status": "pending", "created_at": now, "expires_at": now + attachments.PENDING_SECONDS}}
    )["v"]
    key = f"uploads/{WRITER}/{task_id}/{attachment_id}"

    def call() -> Any:
        f.dynamodb.update_item(
            TableName=f.tasks_table,
            Key={"user_id": {"S": WRITER}, "task_id": {"S": task_id}},
            UpdateExpression="SET #att.#new = :entry",
            ConditionExpression="attribute_exists(task_id) AND attribute_exists(#att) AND size(#att) < :max",
            ExpressionAttributeNames={"#att": "attachments", "#new": attachment_id},
            ExpressionAttributeValues={":entry": entry, ":max": {"N": str(attachments.MAX_PER_TASK)}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return f.s3.generate_presigned_post(
            Bucket=f.bucket,
            Key=key,
            Fields={"Content-Type": "image/jpeg", "tagging": storage.UNCHECKED_TAGGING},
            Conditions=[
                {"Content-Type": "image/jpeg"},
                {"tagging": storage.UNCHECKED_TAGGING},
                ["content-length-range", ATTACHMENT["size"], ATTACHMENT["size"]],
            ],
            ExpiresIn=attachments.UPLOAD_SECONDS,
        )

    return call


def _removed(task_id: str) -> dict[str, Any]:
    keys = {"user_id": {"S": USER}, "task_id": {"S": task_id}}
    record = {"eventName": "REMOVE", "dynamodb": {"Keys": keys, "SequenceNumber": "1", "StreamViewType": "KEYS_ONLY"}}
    return {"Records": [record]}


def cleanup_handler(f: Fixtures) -> Call:
    return _invoke(f, "CleanupTaskFunction", _removed(f.task_ids[-1]))


def cleanup_bare(f: Fixtures) -> Call:
    prefixes = [f"uploads/{USER}/{f.task_ids[-1]}/", f"thumbnails/{USER}/{f.task_ids[-1]}/"]
    return lambda: [f.s3.list_objects_v2(Bucket=f.bucket, Prefix=prefix) for prefix in prefixes]


OPERATIONS = (
    Operation("shorten", "ShortenLinkFunction", shorten_handler, shorten_bare, 201),
    Operation("redirect", "RedirectLinkFunction", redirect_handler, redirect_bare, 301),
    Operation("link stats", "LinkStatsFunction", stats_handler, stats_bare, 200),
    Operation("QR code", "LinkQrCodeFunction", qr_handler, qr_bare, 200),
    Operation("web page", "WebPageFunction", page_handler, None, 200),
    Operation("task create", "CreateTaskFunction", create_task_handler, create_task_bare, 201),
    Operation("task list", "ListTasksFunction", list_tasks_handler, list_tasks_bare, 200),
    Operation("task get", "GetTaskFunction", get_task_handler, get_task_bare, 200),
    Operation("task update", "UpdateTaskFunction", update_task_handler, update_task_bare, 200),
    Operation("task delete", "DeleteTaskFunction", delete_task_handler, delete_task_bare, 204),
    Operation("attachment create", "CreateAttachmentFunction", create_attachment_handler, create_attachment_bare, 201),
    Operation("task cleanup (stream)", "CleanupTaskFunction", cleanup_handler, cleanup_bare),
)
