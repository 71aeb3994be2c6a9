"""The Task: its fields with their rules, defaults and conversions, and its item in the Tasks table.

`FIELDS` is the one list of what a client may set: for each field, how a request's value is
checked (and turned into what is stored), what a new task gets without it (a PUT that leaves it
out goes back to the same default), and how the stored value is shown. Adding a field is one
entry there (and its column in openapi.yaml).

The item: `user_id` (partition key), `task_id` (sort key, a ULID, so newer sorts later), the
fields (one whose value is None is not stored: "no due date"), `created_at` and `updated_at`
(epoch seconds), `version` (1, then +1 per update: the optimistic lock) and `attachments` (a map
by attachment id, see attachment_views.py).

A pending reminder is `remind_at` (epoch seconds) with `reminder_shard` next to it, the keys of the
sparse index of pending reminders (reminder_index.py); a worker sending it adds `reminder_claim`
and `reminder_claimed_at`, and once it is sent, all four go and `reminded_at` records when
(reminder_delivery.py). A done task has no reminder: marking a task done removes it.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from common import attachment_views, clock, dynamo, errors, text

if TYPE_CHECKING:
    from common.attachment_views import Linker

TABLE_VARIABLE = "TASKS_TABLE"
STATUSES = ("pending", "in_progress", "done")
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_VERSION = 10**38 - 1  # DynamoDB numbers hold 38 significant digits
# Shown on every task, never set by a client (a request that names one is refused, not ignored).
READ_ONLY_FIELDS = ("user_id", "task_id", "created_at", "updated_at")
_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
# Partitions of the index of pending reminders (reminder_index.py says why there are several).
REMINDER_SHARDS = 10
# What a task's pending reminder adds to its item, and what its delivery adds while it runs.
REMINDER_ATTRIBUTES = ("remind_at", "reminder_shard", "reminder_claim", "reminder_claimed_at")

type Task = dict[str, Any]


def _title(value: object) -> str:
    title = text.printable(value, "title", min_length=1, max_length=MAX_TITLE)
    if text.is_blank(title):
        raise errors.BadRequest("title must not be blank")
    return title


def _description(value: object) -> str:
    return text.printable(value, "description", min_length=0, max_length=MAX_DESCRIPTION, multiline=True)


def validate_status(value: object) -> str:
    """A task status (also a list's filter), or BadRequest."""
    if not isinstance(value, str) or value not in STATUSES:
        raise errors.BadRequest(f"status must be one of: {', '.join(STATUSES)}")
    return value


def _due_date(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _DATE_PATTERN.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise errors.BadRequest("due_date must be an ISO 8601 date (YYYY-MM-DD) or null")


def _remind_at(value: object) -> int | None:
    """An ISO 8601 UTC time to the second, in the future, as epoch seconds; None clears it."""
    if value is None:
        return None
    moment = None
    if isinstance(value, str) and _TIME_PATTERN.fullmatch(value):
        with contextlib.suppress(ValueError):  # 2027-02-30T...
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if moment is None:
        raise errors.BadRequest("remind_at must be a UTC time as YYYY-MM-DDTHH:MM:SSZ, or null")
    epoch = int(moment.timestamp())
    if epoch <= clock.now_epoch():
        raise errors.BadRequest("remind_at must be in the future")
    return epoch


def _as_is(value: Any) -> Any:
    return value


def _time_or_none(stored: Any) -> str | None:
    return None if stored is None else clock.iso(int(stored))


class Field(NamedTuple):
    """One field a client may set."""

    name: str
    validate: Callable[[object], Any]  # a request's value -> the value to store (None: none), or BadRequest
    default: Any = None  # what a task has without it (new, or replaced by a PUT)
    required: bool = False  # a new task, and a PUT, must send it
    show: Callable[[Any], Any] = _as_is  # the stored value -> the API's


FIELDS = (
    Field("title", _title, required=True),
    Field("description", _description, default=""),
    Field("status", validate_status, default="pending"),
    Field("due_date", _due_date),
    Field("remind_at", _remind_at, show=_time_or_none),
)
EDITABLE_FIELDS = tuple(field.name for field in FIELDS)
REQUIRED_FIELDS = tuple(field.name for field in FIELDS if field.required)


def table() -> str:
    """The Tasks table's name (`TASKS_TABLE`, from the template)."""
    return dynamo.table_name(TABLE_VARIABLE)


def key(user_id: str, task_id: str) -> dict[str, Any]:
    """The item key of one task."""
    return {"user_id": {"S": user_id}, "task_id": {"S": task_id}}


def validate_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields present in a request's body, checked; BadRequest for a read-only one."""
    for name in READ_ONLY_FIELDS:
        if name in body:
            raise errors.BadRequest(f"{name} cannot be set or changed")
    fields = {field.name: field.validate(body[field.name]) for field in FIELDS if field.name in body}
    if fields.get("status") == "done" and fields.get("remind_at") is not None:
        raise errors.BadRequest("A done task has no reminder: send remind_at null, or another status")
    return fields


def with_defaults(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Every field: the ones given, the others at their defaults (a new task; a PUT)."""
    return {field.name: fields.get(field.name, field.default) for field in FIELDS}


def validate_version(value: object) -> int:
    """The version a client last saw: a whole number from 1 to MAX_VERSION, or BadRequest."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise errors.BadRequest("version must be a positive whole number of at most 38 digits")
    return value


def reminder_shard(task_id: str) -> str:
    """The index partition of a task's reminders, "0" to "9": CRC-32 of the task id (a ULID, random
    in its last 80 bits, so the shards fill evenly), the same for the task's whole life."""
    return str(zlib.crc32(task_id.encode()) % REMINDER_SHARDS)


def new_item(user_id: str, task_id: str, fields: Mapping[str, Any], *, now: int) -> dict[str, Any]:
    """The item of a new task at version 1 (`fields` complete: see with_defaults)."""
    values = {
        "user_id": user_id,
        "task_id": task_id,
        **fields,
        "reminder_shard": reminder_shard(task_id) if fields.get("remind_at") is not None else None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "attachments": {},  # present from the start, so adding one is a single SET of one entry
    }
    return dynamo.to_item(values)


def to_json(item: Mapping[str, Any], *, link: Linker | None = None) -> Task:
    """A task as a read of it shows it; `link` adds download URLs to its ready attachments."""
    values = dynamo.from_item(item)
    files = attachment_views.full_list(
        values["user_id"], values["task_id"], values.get("attachments"), now=clock.now_epoch(), link=link
    )
    return _view(values, files)


def to_list_json(item: Mapping[str, Any]) -> Task:
    """A task as a list of tasks shows it: attachments as summaries (see attachment_views)."""
    values = dynamo.from_item(item)
    return _view(values, attachment_views.summary_list(values.get("attachments"), now=clock.now_epoch()))


def _view(values: Mapping[str, Any], attachments: list[attachment_views.Attachment]) -> Task:
    task: Task = {"user_id": values["user_id"], "task_id": values["task_id"]}
    for field in FIELDS:
        task[field.name] = field.show(values.get(field.name, field.default))
    task.update(
        created_at=clock.iso(int(values["created_at"])),
        updated_at=clock.iso(int(values["updated_at"])),
        version=int(values["version"]),
        attachments=attachments,
    )
    return task
