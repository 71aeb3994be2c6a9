"""Reserving a place for a new attachment on its task: at most MAX_PER_TASK, reclaimed when dead.

A task keeps at most `MAX_PER_TASK` entries. When it is full, the oldest expired or rejected entry
gives its place to the new one, so an upload that never arrived (or failed its checks) never holds
a slot for good.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from common import attachment_views, clock, dynamo, errors, ids, task_model
from common.attachment_keys import Ref
from common.attachment_rules import MAX_PER_TASK, PENDING_SECONDS, NewAttachment

_ATTEMPTS = 3  # a full task whose dead entries are being reclaimed by two requests at once


def add_pending(user_id: str, task_id: str, new: NewAttachment) -> tuple[Ref, attachment_views.Attachment]:
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
        try:
            dynamo.client.update_item(
                TableName=task_model.table(),
                Key=task_model.key(user_id, task_id),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **slot_update(ref.attachment_id, entry, seen, now=now),
            )
        except dynamo.client.exceptions.ConditionalCheckFailedException as refused:
            seen = dynamo.item_at_failure(refused)
            if seen is None:
                raise errors.NotFound("Task not found") from None
            continue
        return ref, attachment_views.to_json(ref.attachment_id, values, now=now)
    raise errors.Conflict("The task's attachments changed while adding this one: retry")


def slot_update(
    attachment_id: str, entry: dict[str, Any], seen: Mapping[str, Any] | None, *, now: int
) -> dict[str, Any]:
    """The UpdateItem arguments that add `entry` as `attachment_id`, given the task item a previous
    attempt saw (None: not read yet, assume there is room). Conflict when its live entries fill it."""
    names = {"#att": "attachments", "#new": attachment_id}
    values: dict[str, Any] = {":entry": entry}
    if seen is not None and "attachments" not in seen:  # a task from before attachments existed
        return {
            "UpdateExpression": "SET #att = :map",
            "ConditionExpression": "attribute_exists(task_id) AND attribute_not_exists(#att)",
            "ExpressionAttributeNames": {"#att": "attachments"},
            "ExpressionAttributeValues": {":map": {"M": {attachment_id: entry}}},
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
    dead = sorted(key for key, value in current.items() if is_dead(value, now))
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


def is_dead(values: Mapping[str, Any], now: int) -> bool:
    """Expired or rejected: shown on reads, but no longer holding one of the task's slots."""
    return attachment_views.status(values, now) in ("expired", "rejected")
