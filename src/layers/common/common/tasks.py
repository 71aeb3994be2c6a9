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


def update_request(task_id: str, version: int, changes: Mapping[str, Any], *, now: int) -> dict[str, Any]:
    """The UpdateItem arguments (expression, names, values) that apply `changes` to a task still at
    `version` and move it to the next version; a change to None removes the attribute.

    A new `remind_at` puts the task in the index of pending reminders (with its `reminder_shard`),
    on condition that the task is not done (unless this change sets its status too); null, or
    status done, takes it out. Either way a delivery's claim on the old reminder goes with it.
    """
    names = {"#version": "version", "#updated_at": "updated_at"}
    values: dict[str, Any] = {":version": {"N": str(version)}, ":one": {"N": "1"}, ":now": {"N": str(now)}}
    sets = ["#updated_at = :now", "#version = #version + :one"]
    removes = []
    condition = "attribute_exists(task_id) AND #version = :version"
    for field, value in changes.items():
        names[f"#{field}"] = field
        if value is None:
            removes.append(f"#{field}")
        else:
            values[f":{field}"] = dynamo.to_item({"v": value})["v"]
            sets.append(f"#{field} = :{field}")
    if "remind_at" in changes or changes.get("status") == "done":
        keep = changes.get("remind_at") is not None  # validate_fields refuses it with status done
        for attribute in task_model.REMINDER_ATTRIBUTES:
            names[f"#{attribute}"] = attribute
        if keep:
            sets.append("#reminder_shard = :reminder_shard")
            values[":reminder_shard"] = {"S": task_model.reminder_shard(task_id)}
            if "status" not in changes:
                condition += " AND #status <> :done"
                names["#status"] = "status"
                values[":done"] = {"S": "done"}
        cleared = ("reminder_claim", "reminder_claimed_at") if keep else task_model.REMINDER_ATTRIBUTES
        removes += [f"#{attribute}" for attribute in cleared if f"#{attribute}" not in removes]
    return {
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def update_task(user_id: str, task_id: str, *, version: int, changes: Mapping[str, Any]) -> Task:
    """Apply `changes` if the task is still at `version` (one conditional UpdateItem).

    404 when there is no such task; 409, carrying the current task, when someone else updated it
    first, or when the change sets a reminder on a task that is done.
    """
    try:
        response = dynamo.client.update_item(
            TableName=task_model.table(),
            Key=task_model.key(user_id, task_id),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **update_request(task_id, version, changes, now=clock.now_epoch()),
        )
    except dynamo.client.exceptions.ConditionalCheckFailedException as refused:
        current = dynamo.item_at_failure(refused)
        if current is None:
            raise errors.NotFound("Task not found") from None
        task = task_model.to_json(current)
        if task["version"] == version:  # the version held: the status was the refusal
            raise errors.Conflict(
                "Task is done: a done task has no reminder (change its status too)", details={"task": task}
            ) from None
        raise StaleVersion(task) from None
    return task_model.to_json(response["Attributes"])


def delete_task(user_id: str, task_id: str) -> None:
    """Delete a task (one conditional DeleteItem), or 404 if there is none. Its files go with it:
    the table's stream runs cleanup_task; its pending reminder goes with the item (a delivery
    already queued finds no task and sends nothing)."""
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
