"""Attachments of a task: what may be uploaded, where it lives in the bucket, and its state on the task.

An attachment is an entry of the task item's `attachments` map, keyed by its id (a ULID):
`filename, content_type, size, status, created_at, expires_at`, then `etag` and either
`width, height, thumbnail_key` (ready) or `reason` (rejected). Its file is
`uploads/{user_id}/{task_id}/{attachment_id}`, its thumbnail `thumbnails/.../{attachment_id}.jpg`.

`status` moves once, `pending` -> `ready` | `rejected`, by a conditional write, so a redelivered
S3 event changes nothing. A `pending` attachment whose `expires_at` has passed is shown as
`expired` (lazy expiry: no scheduler). A task keeps at most `MAX_PER_TASK` entries; when it is
full, the oldest expired or rejected entry gives its place to the new one, so an upload that
never arrived (or failed its checks) never holds a slot for good.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from common import clock, dynamo, errors, ids
from common.ids import USER_ID_PATTERN

TABLE_VARIABLE = "TASKS_TABLE"  # attachments live on the task items
# What may be uploaded: declared Content-Type -> the format the file's first bytes must show.
ALLOWED_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "application/pdf": "PDF",
}
IMAGE_TYPES = frozenset(t for t in ALLOWED_TYPES if t.startswith("image/"))
MAX_SIZE = 10 * 1024 * 1024
MAX_PER_TASK = 20
MAX_FILENAME = 255
UPLOAD_SECONDS = 300  # the presigned POST's lifetime
# A slot stays pending this much longer than the POST: an upload S3 accepted at the last second,
# plus Lambda's async retries (about 1 and 2 minutes) of a failed first attempt, still lands.
EXPIRY_MARGIN_SECONDS = 600
PENDING_SECONDS = UPLOAD_SECONDS + EXPIRY_MARGIN_SECONDS

_ATTACHMENT_ID_PATTERN = ids.ID_PATTERN.pattern
_UPLOAD_KEY = re.compile(rf"uploads/({USER_ID_PATTERN.pattern})/({_ATTACHMENT_ID_PATTERN})/({_ATTACHMENT_ID_PATTERN})")
# Unicode categories a file name may not contain: controls (C0/C1, NUL, CR/LF), format characters
# (bidi overrides that make "exe.png" look like "png.exe"), surrogates (not valid UTF-8: DynamoDB
# would refuse them), private use, unassigned, and line/paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

type Attachment = dict[str, Any]


class Linker(Protocol):
    """Makes a short-lived download URL for an object (storage.download_url)."""

    def __call__(self, key: str, *, filename: str | None = None) -> str: ...


@dataclass(frozen=True)
class Ref:
    """Which attachment of which task: everything its keys are made of."""

    user_id: str
    task_id: str
    attachment_id: str

    @property
    def upload_key(self) -> str:
        return f"uploads/{self.user_id}/{self.task_id}/{self.attachment_id}"

    @property
    def thumbnail_key(self) -> str:
        return f"thumbnails/{self.user_id}/{self.task_id}/{self.attachment_id}.jpg"


def parse_upload_key(key: str) -> Ref | None:
    """The attachment an `uploads/...` key belongs to, or None for a key we never hand out."""
    match = _UPLOAD_KEY.fullmatch(key)
    return Ref(*match.groups()) if match else None


def task_prefixes(user_id: str, task_id: str) -> tuple[str, str]:
    """The key prefixes holding a task's files and thumbnails. Refuses ids that could widen them
    (an empty or odd id would turn `uploads/u/t/` into `uploads/u/` or worse)."""
    if not USER_ID_PATTERN.fullmatch(user_id) or not ids.ID_PATTERN.fullmatch(task_id):
        raise ValueError(f"not a task key: {user_id!r}/{task_id!r}")
    return f"uploads/{user_id}/{task_id}/", f"thumbnails/{user_id}/{task_id}/"


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    size: int


def validate_request(body: Mapping[str, Any]) -> NewAttachment:
    """`{"filename", "content_type", "size"}` checked, or BadRequest naming the problem."""
    return NewAttachment(
        filename=validate_filename(body["filename"]),
        content_type=validate_content_type(body["content_type"]),
        size=validate_size(body["size"]),
    )


def validate_filename(value: object) -> str:
    """A name to show and to offer as the download's name: never a path, never control characters."""
    if not isinstance(value, str):
        raise errors.BadRequest("filename must be a string")
    if not 1 <= len(value) <= MAX_FILENAME:
        raise errors.BadRequest(f"filename must be 1 to {MAX_FILENAME} characters")
    if "/" in value or "\\" in value:
        raise errors.BadRequest("filename must not contain / or \\")
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value):
        raise errors.BadRequest("filename must not contain control or invisible formatting characters")
    if not value.strip() or value.strip(". ") == "":
        raise errors.BadRequest("filename must name a file")
    return value


def validate_content_type(value: object) -> str:
    if not isinstance(value, str) or value not in ALLOWED_TYPES:
        raise errors.BadRequest(f"content_type must be one of: {', '.join(ALLOWED_TYPES)}")
    return value


def validate_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
        raise errors.BadRequest(f"size must be a whole number of bytes from 1 to {MAX_SIZE} (10 MB)")
    return value


# --- creating ---------------------------------------------------------------------------------

_ATTEMPTS = 3  # a full task whose dead entries are being reclaimed by two requests at once


def add_pending(user_id: str, task_id: str, new: NewAttachment) -> tuple[Ref, Attachment]:
    """Record a new `pending` attachment on the task and return it.

    One conditional UpdateItem (the task exists and has fewer than `MAX_PER_TASK` entries). Only
    when the task is full does a second one follow, which replaces the oldest expired or rejected
    entry it saw with the new one, on condition that it is still dead and nothing else changed.
    404 if there is no such task, 409 if its live attachments already fill it.
    """
    now = clock.now_epoch()
    ref = Ref(user_id, task_id, ids.new_id())
    values = {
        "filename": new.filename,
        "content_type": new.content_type,
        "size": new.size,
        "status": "pending",
        "created_at": now,
        "expires_at": now + PENDING_SECONDS,
    }
    entry = dynamo.to_item({"v": values})["v"]
    seen: dict[str, Any] | None = None
    for _ in range(_ATTEMPTS):
        update = _add_update(ref, entry, seen, now)
        try:
            dynamo.client.update_item(
                TableName=dynamo.table_name(TABLE_VARIABLE),
                Key=_key(user_id, task_id),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **update,
            )
        except ClientError as error:
            if not dynamo.is_condition_failure(error):
                raise
            seen = dynamo.item_at_failure(error)
            if seen is None:
                raise errors.NotFound("Task not found") from None
            continue
        return ref, to_json(ref.attachment_id, values, now=now)
    raise errors.Conflict("The task's attachments changed while adding this one: retry")


def _add_update(ref: Ref, entry: dict[str, Any], seen: Mapping[str, Any] | None, now: int) -> dict[str, Any]:
    """The UpdateItem arguments that add `entry`, given the item a previous attempt saw (if any)."""
    names = {"#att": "attachments", "#new": ref.attachment_id}
    values: dict[str, Any] = {":entry": entry}
    if seen is not None and "attachments" not in seen:  # a task from before attachments existed
        return {
            "UpdateExpression": "SET #att = :map",
            "ConditionExpression": "attribute_exists(task_id) AND attribute_not_exists(#att)",
            "ExpressionAttributeNames": {"#att": "attachments"},
            "ExpressionAttributeValues": {":map": {"M": {ref.attachment_id: entry}}},
        }
    current = dynamo.from_item(seen["attachments"]["M"]) if seen is not None else {}
    if len(current) < MAX_PER_TASK:  # the usual case: room left (or not read yet)
        values[":max"] = {"N": str(MAX_PER_TASK)}
        return {
            "UpdateExpression": "SET #att.#new = :entry",
            # attribute_exists first: a task from before attachments fails the condition (and the
            # retry creates the map) rather than erroring on size() of nothing.
            "ConditionExpression": "attribute_exists(task_id) AND attribute_exists(#att) AND size(#att) < :max",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    dead = sorted(key for key, value in current.items() if _is_dead(value, now))
    if len(current) - len(dead) >= MAX_PER_TASK:
        raise errors.Conflict(f"A task can have at most {MAX_PER_TASK} attachments")
    # Reclaim only as many places as needed, oldest first: the rest stay visible as expired/rejected.
    dead = dead[: len(current) - MAX_PER_TASK + 1]
    conditions = ["attribute_exists(task_id)", "size(#att) = :seen"]
    for index, key in enumerate(dead):
        names[f"#d{index}"] = key
        path = f"#att.#d{index}"
        conditions.append(f"({path}.#status = :rejected OR ({path}.#status = :pending AND {path}.expires_at <= :now))")
    names["#status"] = "status"
    values.update(
        {
            ":seen": {"N": str(len(current))},
            ":rejected": {"S": "rejected"},
            ":pending": {"S": "pending"},
            ":now": {"N": str(now)},
        }
    )
    removes = ", ".join(f"#att.#d{index}" for index in range(len(dead)))
    return {
        "UpdateExpression": f"REMOVE {removes} SET #att.#new = :entry",
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _is_dead(values: Mapping[str, Any], now: int) -> bool:
    """Expired or rejected: shown on reads, but no longer holding one of the task's slots."""
    status = values.get("status")
    return status == "rejected" or (status == "pending" and int(values["expires_at"]) <= now)


# --- recording what process_upload found -------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """What the checks found in one uploaded file (one version of it: `etag`)."""

    etag: str
    size: int
    content_type: str | None  # what the file's bytes are, if one of ALLOWED_TYPES
    reason: str | None = None  # why it is rejected; None = acceptable
    width: int | None = None
    height: int | None = None
    thumbnail_key: str | None = None

    def rejected(self, reason: str) -> Checked:
        return Checked(self.etag, self.size, self.content_type, reason)


@dataclass(frozen=True)
class Outcome:
    """What happened to the attachment; `keep` says whether its file and thumbnail stay."""

    status: str  # ready | rejected | duplicate | expired | orphan | replaced
    keep: bool


def record(ref: Ref, checked: Checked) -> Outcome:
    """Record `ready` or `rejected` on a pending attachment: one conditional UpdateItem.

    The write only lands on a pending, unexpired attachment; `ready` also needs the file to be the
    type and size that were declared. When it does not land, the item it saw says why: the same
    file again (duplicate: nothing to do), no task or attachment (orphan), too late (expired), or
    a different file for a finished attachment (the presigned POST reused to replace a checked
    file: the attachment becomes rejected). A declared type or size that differs is a rejection.
    """
    now = clock.now_epoch()
    try:
        _update_outcome(ref, checked, now)
    except ClientError as error:
        if not dynamo.is_condition_failure(error):
            raise
        return _explain(ref, checked, dynamo.item_at_failure(error), now)
    return Outcome("ready", keep=True) if checked.reason is None else Outcome("rejected", keep=False)


def _update_outcome(ref: Ref, checked: Checked, now: int, *, require: Mapping[str, Any] | None = None) -> None:
    fields: dict[str, Any] = {"etag": checked.etag, "processed_at": now}
    condition = "#att.#id.#status = :pending AND #att.#id.expires_at > :now"
    values: dict[str, Any] = {":pending": {"S": "pending"}, ":now": {"N": str(now)}}
    if require is not None:  # instead of "still pending": exactly the state we saw
        condition = "#att.#id.#status = :was AND #att.#id.etag = :was_etag"
        values = {":was": {"S": require["status"]}, ":was_etag": {"S": require["etag"]}}
    if checked.reason is None:
        fields.update(status="ready", width=checked.width, height=checked.height, thumbnail_key=checked.thumbnail_key)
        condition += " AND #att.#id.content_type = :type AND #att.#id.#size = :size"
        values.update(dynamo.to_item({":type": checked.content_type, ":size": checked.size}))
    else:
        fields.update(status="rejected", reason=checked.reason)
    names = {"#att": "attachments", "#id": ref.attachment_id, "#status": "status", "#size": "size"}
    sets = []
    for index, (name, value) in enumerate(fields.items()):
        if value is None:
            continue
        names[f"#f{index}"] = name
        values[f":f{index}"] = dynamo.to_item({"v": value})["v"]
        sets.append(f"#att.#id.#f{index} = :f{index}")
    if "#size" not in condition:
        names.pop("#size")
    dynamo.client.update_item(
        TableName=dynamo.table_name(TABLE_VARIABLE),
        Key=_key(ref.user_id, ref.task_id),
        UpdateExpression="SET " + ", ".join(sets),
        ConditionExpression=f"attribute_exists(task_id) AND {condition}",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )


def _explain(ref: Ref, checked: Checked, item: Mapping[str, Any] | None, now: int) -> Outcome:
    attachments = dynamo.from_item(item or {}).get("attachments") or {}
    entry = attachments.get(ref.attachment_id)
    if entry is None:
        return Outcome("orphan", keep=False)  # the task, or this attachment, is gone
    status = entry["status"]
    if status != "pending":
        if entry.get("etag") == checked.etag:
            return Outcome("duplicate", keep=status == "ready")
        if status == "ready":  # its checked file was just overwritten: nothing checked is left
            replaced = checked.rejected("The file was replaced after it was checked")
            try:
                _update_outcome(ref, replaced, now, require=entry)
            except ClientError as error:
                if not dynamo.is_condition_failure(error):
                    raise
        return Outcome("replaced", keep=False)
    if int(entry["expires_at"]) <= now:
        return Outcome("expired", keep=False)
    declared = (entry["content_type"], int(entry["size"]))
    if checked.reason is not None or declared == (checked.content_type, checked.size):
        return Outcome("orphan", keep=False)  # cannot happen: the write above would have landed
    reason = (
        f"The file is {checked.content_type or 'of another type'}, {checked.size} bytes; "
        f"declared {declared[0]}, {declared[1]} bytes"
    )
    return record(ref, checked.rejected(reason))


# --- reading ----------------------------------------------------------------------------------


def to_json(attachment_id: str, values: Mapping[str, Any], *, now: int) -> Attachment:
    """An attachment as the API shows it (a pending one past `expires_at` shows as `expired`)."""
    status = values["status"]
    if status == "pending" and int(values["expires_at"]) <= now:
        status = "expired"
    view: Attachment = {
        "attachment_id": attachment_id,
        "filename": values["filename"],
        "content_type": values["content_type"],
        "size": int(values["size"]),
        "status": status,
        "created_at": clock.iso(int(values["created_at"])),
    }
    if status == "pending":
        view["expires_at"] = clock.iso(int(values["expires_at"]))
    elif status == "rejected":
        view["reason"] = values.get("reason", "")
    elif status == "ready" and "width" in values:
        view["width"], view["height"] = int(values["width"]), int(values["height"])
    return view


def list_json(
    user_id: str, task_id: str, attachments: Mapping[str, Any] | None, *, now: int, link: Linker | None
) -> list[Attachment]:
    """A task's attachments, oldest first, as the API shows them; with `link`, each ready one
    carries short-lived download URLs for its file and thumbnail."""
    views = []
    for attachment_id, values in sorted((attachments or {}).items()):
        view = to_json(attachment_id, values, now=now)
        if link is not None and view["status"] == "ready":
            ref = Ref(user_id, task_id, attachment_id)
            view["url"] = link(ref.upload_key, filename=values["filename"])
            if values.get("thumbnail_key"):
                view["thumbnail_url"] = link(values["thumbnail_key"])
        views.append(view)
    return views


def _key(user_id: str, task_id: str) -> dict[str, Any]:
    return {"user_id": {"S": user_id}, "task_id": {"S": task_id}}
