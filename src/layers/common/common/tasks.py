"""The Tasks table's operations: create, read, list, update and delete a task, one DynamoDB call each.

What a task is (fields, defaults, item and views) is task_model's; this module only talks to the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from common import clock, dynamo, errors, ids, pages, task_model
from common.task_model import Task

if TYPE_CHECKING:
    from common.attachment_views import Linker


def create_task(user_id: str, fields: Mapping[str, Any]) -> Task:
    """Store a new task with `fields` (the others at their defaults): one conditional PutItem."""
    item = task_model.new_item(user_id, ids.new_id(), task_model.with_defaults(fields), now=clock.now_epoch())
    dynamo.client.put_item(TableName=task_model.table(), Item=item, ConditionExpression="attribute_not_exists(task_id)")
    return task_model.to_json(item)


def get_task(user_id: str, task_id: str, *, link: Linker | None = None) -> Task:
    """One task (a strongly consistent GetItem), or 404; `link` adds download URLs to ready attachments."""
    response = dynamo.client.get_item(
        TableName=task_model.table(), Key=task_model.key(user_id, task_id), ConsistentRead=True
    )
    if "Item" not in response:
        raise errors.NotFound("Task not found")
    return task_model.to_json(response["Item"], link=link)


def list_tasks(
    user_id: str, *, limit: int, next_token: str | None, status: str | None
) -> tuple[list[Task], str | None]:
    """One page of a user's tasks, newest first (one Query), and the token for the next page.

    With a `status` filter DynamoDB filters after reading `limit` items, so a page can hold fewer
    tasks than `limit` (even none) while more follow: keep going until `next_token` is null.
    """
    query: dict[str, Any] = {
        "TableName": task_model.table(),
        "KeyConditionExpression": "user_id = :user",
        "ExpressionAttributeValues": {":user": {"S": user_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if next_token:
        query["ExclusiveStartKey"] = task_model.key(user_id, ids.validate_task_id(pages.decode(user_id, next_token)))
    if status:
        query["FilterExpression"] = "#status = :status"
        query["ExpressionAttributeNames"] = {"#status": "status"}
        query["ExpressionAttributeValues"][":status"] = {"S": status}
    response = dynamo.client.query(**query)
    last = response.get("LastEvaluatedKey")
    token = pages.encode(user_id, last["task_id"]["S"]) if last else None
    return [task_model.to_list_json(item) for item in response.get("Items", [])], token


def update_request(version: int, changes: Mapping[str, Any], *, now: int) -> dict[str, Any]:
    """The UpdateItem arguments (expression, names, values) that apply `changes` to a task still at
    `version` and move it to the next version; a change to None removes the attribute."""
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
    return {
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": "attribute_exists(task_id) AND #version = :version",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def update_task(user_id: str, task_id: str, *, version: int, changes: Mapping[str, Any]) -> Task:
    """Apply `changes` if the task is still at `version` (one conditional UpdateItem).

    404 when there is no such task; 409, carrying the current task, when someone else updated it
    first.
    """
    try:
        response = dynamo.client.update_item(
            TableName=task_model.table(),
            Key=task_model.key(user_id, task_id),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **update_request(version, changes, now=clock.now_epoch()),
        )
    except dynamo.client.exceptions.ConditionalCheckFailedException as refused:
        current = dynamo.item_at_failure(refused)
        if current is None:
            raise errors.NotFound("Task not found") from None
        raise StaleVersion(task_model.to_json(current)) from None
    return task_model.to_json(response["Attributes"])


def delete_task(user_id: str, task_id: str) -> None:
    """Delete a task (one conditional DeleteItem), or 404 if there is none. Its files go with it:
    the table's stream runs cleanup_task."""
    try:
        dynamo.client.delete_item(
            TableName=task_model.table(),
            Key=task_model.key(user_id, task_id),
            ConditionExpression="attribute_exists(task_id)",
        )
    except dynamo.client.exceptions.ConditionalCheckFailedException:
        raise errors.NotFound("Task not found") from None


class StaleVersion(errors.Conflict):
    """The task changed since the client read it; the response carries the current task."""

    def __init__(self, current: Task) -> None:
        super().__init__(f"Task was modified: it is at version {current['version']}", details={"task": current})
