"""Everything about the Tasks table: what a valid task is, and one DynamoDB call per operation.

Item shape: `user_id` (partition key), `task_id` (sort key, a ULID, so newer sorts later),
`title`, `description`, `status`, `due_date` (absent = none), `created_at`, `updated_at`,
`version` (starts at 1, +1 per update: the optimistic lock), `attachments` (a map: see attachments.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from common import attachments, clock, dynamo, errors, ids, page_tokens

TABLE_VARIABLE = "TASKS_TABLE"
STATUSES = ("pending", "in_progress", "done")
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
EDITABLE_FIELDS = ("title", "description", "status", "due_date")
READ_ONLY_FIELDS = ("user_id", "task_id", "created_at", "updated_at")
USER_ID_PATTERN = ids.USER_ID_PATTERN
_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")

type Task = dict[str, Any]


def _table() -> str:
    return dynamo.table_name(TABLE_VARIABLE)


def _to_json(item: Mapping[str, Any], link: attachments.Linker | None = None) -> Task:
    values = dynamo.from_item(item)
    files = attachments.list_json(
        values["user_id"], values["task_id"], values.get("attachments"), now=clock.now_epoch(), link=link
    )
    return {
        "user_id": values["user_id"],
        "task_id": values["task_id"],
        "title": values["title"],
        "description": values.get("description", ""),
        "status": values["status"],
        "due_date": values.get("due_date"),
        "created_at": clock.iso(int(values["created_at"])),
        "updated_at": clock.iso(int(values["updated_at"])),
        "version": int(values["version"]),
        "attachments": files,
    }


# --- validation -------------------------------------------------------------------------------


def validate_user_id(value: str) -> str:
    if not USER_ID_PATTERN.fullmatch(value):
        raise errors.BadRequest("user_id must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'")
    return value


def validate_task_id(value: str) -> str:
    if not ids.ID_PATTERN.fullmatch(value):
        raise errors.BadRequest("task_id is malformed")
    return value


def validate_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields present in `body`, checked; `due_date: null` means 'no due date'."""
    for name in READ_ONLY_FIELDS:
        if name in body:
            raise errors.BadRequest(f"{name} cannot be set or changed")
    fields: dict[str, Any] = {}
    if "title" in body:
        fields["title"] = _text(body["title"], "title", 1, MAX_TITLE)
    if "description" in body:
        fields["description"] = _text(body["description"], "description", 0, MAX_DESCRIPTION)
    if "status" in body:
        if body["status"] not in STATUSES:
            raise errors.BadRequest(f"status must be one of: {', '.join(STATUSES)}")
        fields["status"] = body["status"]
    if "due_date" in body:
        fields["due_date"] = None if body["due_date"] is None else _iso_date(body["due_date"])
    return fields


def _text(value: object, name: str, minimum: int, maximum: int) -> str:
    if not isinstance(value, str):
        raise errors.BadRequest(f"{name} must be a string")
    if not minimum <= len(value) <= maximum:
        raise errors.BadRequest(f"{name} must be {minimum} to {maximum} characters")
    if "\x00" in value:
        raise errors.BadRequest(f"{name} must not contain NUL characters")
    if minimum and not value.strip():
        raise errors.BadRequest(f"{name} must not be blank")
    return value


def _iso_date(value: object) -> str:
    if isinstance(value, str) and _DATE_PATTERN.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise errors.BadRequest("due_date must be an ISO 8601 date (YYYY-MM-DD) or null")


def validate_version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.BadRequest("version must be a positive whole number")
    return value


def validate_page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    # isascii: "²" is a digit to isdigit() but not to int(); the API speaks ASCII digits only
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise errors.BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return int(value)


def validate_status_filter(value: str | None) -> str | None:
    if value is not None and value not in STATUSES:
        raise errors.BadRequest(f"status must be one of: {', '.join(STATUSES)}")
    return value


# --- operations -------------------------------------------------------------------------------


def create_task(user_id: str, fields: Mapping[str, Any]) -> Task:
    """Store a new task (one conditional PutItem) and return it."""
    now = clock.now_epoch()
    values = {
        "user_id": user_id,
        "task_id": ids.new_id(),
        "title": fields["title"],
        "description": fields.get("description", ""),
        "status": fields.get("status", "pending"),
        "due_date": fields.get("due_date"),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "attachments": {},  # present from the start, so adding one is a single SET of one entry
    }
    item = dynamo.to_item(values)
    dynamo.client.put_item(TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(task_id)")
    return _to_json(item)


def get_task(user_id: str, task_id: str, *, link: attachments.Linker | None = None) -> Task:
    """One task (a strongly consistent GetItem), or 404; `link` adds download URLs to ready attachments."""
    response = dynamo.client.get_item(TableName=_table(), Key=_key(user_id, task_id), ConsistentRead=True)
    if "Item" not in response:
        raise errors.NotFound("Task not found")
    return _to_json(response["Item"], link)


def list_tasks(
    user_id: str, *, limit: int, next_token: str | None, status: str | None, link: attachments.Linker | None = None
) -> tuple[list[Task], str | None]:
    """One page of a user's tasks, newest first (one Query), and the token for the next page.

    With a `status` filter DynamoDB filters after reading `limit` items, so a page can hold fewer
    tasks than `limit` (even none) while more follow: keep going until `next_token` is null.
    """
    query: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "user_id = :user",
        "ExpressionAttributeValues": {":user": {"S": user_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if next_token:
        query["ExclusiveStartKey"] = _key(user_id, validate_task_id(page_tokens.decode(user_id, next_token)))
    if status:
        query["FilterExpression"] = "#status = :status"
        query["ExpressionAttributeNames"] = {"#status": "status"}
        query["ExpressionAttributeValues"][":status"] = {"S": status}
    response = dynamo.client.query(**query)
    last = response.get("LastEvaluatedKey")
    token = page_tokens.encode(user_id, last["task_id"]["S"]) if last else None
    return [_to_json(item, link) for item in response.get("Items", [])], token


def update_task(user_id: str, task_id: str, *, version: int, changes: Mapping[str, Any]) -> Task:
    """Apply `changes` if the task is still at `version` (one conditional UpdateItem).

    404 when there is no such task; 409, carrying the current task, when someone else updated it
    first.
    """
    now = clock.now_epoch()
    names = {"#version": "version", "#updated_at": "updated_at"}
    values: dict[str, Any] = {":version": {"N": str(version)}, ":one": {"N": "1"}, ":now": {"N": str(now)}}
    sets = ["#updated_at = :now", "#version = #version + :one"]
    removes = []
    for field, value in changes.items():
        names[f"#{field}"] = field
        if value is None:
            removes.append(f"#{field}")
        else:
            values[f":{field}"] = dynamo.to_item({"v": value})["v"]
            sets.append(f"#{field} = :{field}")
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        response = dynamo.client.update_item(
            TableName=_table(),
            Key=_key(user_id, task_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(task_id) AND #version = :version",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not dynamo.is_condition_failure(error):
            raise
        current = dynamo.item_at_failure(error)
        if current is None:
            raise errors.NotFound("Task not found") from None
        raise StaleVersion(_to_json(current)) from None
    return _to_json(response["Attributes"])


def delete_task(user_id: str, task_id: str) -> None:
    """Delete a task (one conditional DeleteItem), or 404 if there is none."""
    try:
        dynamo.client.delete_item(
            TableName=_table(), Key=_key(user_id, task_id), ConditionExpression="attribute_exists(task_id)"
        )
    except ClientError as error:
        if not dynamo.is_condition_failure(error):
            raise
        raise errors.NotFound("Task not found") from None


def _key(user_id: str, task_id: str) -> dict[str, Any]:
    return {"user_id": {"S": user_id}, "task_id": {"S": task_id}}


class StaleVersion(errors.Conflict):
    """The task changed since the client read it; the response carries the current task."""

    def __init__(self, current: Task) -> None:
        super().__init__(f"Task was modified: it is at version {current['version']}", details={"task": current})
