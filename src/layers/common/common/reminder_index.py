"""The sparse index of pending reminders, and the due ones read from it, shard by shard.

A task with a pending reminder carries two attributes no other task has: `reminder_shard` (one of
SHARDS values, from its task id) and `remind_at` (epoch seconds). The Tasks table's index
`reminders-due` is keyed by them (partition `reminder_shard`, sort `remind_at`, keys only), so it
holds exactly the tasks with a pending reminder: an item without an index's key attributes is not
in the index ("sparse"). Sending, cancelling or finishing a reminder removes both attributes, and
the task leaves the index. Finding what is due is then one Query per shard (`remind_at <= now`),
never a scan, however many tasks there are.

Why shards: with one partition value every reminder would share one index partition, which takes
about 1,000 writes a second; every reminder set, sent or cancelled is an index write, and an index
that cannot keep up throttles the table's own writes. Ten shards spread them over ten partitions
(ten times the rate) at the cost of ten small queries a minute. The shard comes from the task id
(task_model.reminder_shard), so a task keeps its shard whatever its reminder.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from common import dynamo, task_model

INDEX_NAME = "reminders-due"
SHARDS = tuple(str(shard) for shard in range(task_model.REMINDER_SHARDS))


class Reminder(NamedTuple):
    """A pending reminder: the task, and the time it is due (epoch seconds)."""

    user_id: str
    task_id: str
    remind_at: int


def due(shard: str, now: int, *, limit: int, start: dict[str, Any] | None = None) -> tuple[list[Reminder], Any]:
    """Up to `limit` reminders of one shard due at `now` or before, oldest first (one Query of the
    index), and where the next page starts (None: that was all)."""
    query: dict[str, Any] = {
        "TableName": task_model.table(),
        "IndexName": INDEX_NAME,
        "KeyConditionExpression": "#shard = :shard AND #remind_at <= :now",
        "ExpressionAttributeNames": {"#shard": "reminder_shard", "#remind_at": "remind_at"},
        "ExpressionAttributeValues": {":shard": {"S": shard}, ":now": {"N": str(now)}},
        "Limit": limit,
    }
    if start:
        query["ExclusiveStartKey"] = start
    response = dynamo.client.query(**query)
    reminders = [
        Reminder(item["user_id"]["S"], item["task_id"]["S"], int(item["remind_at"]["N"]))
        for item in response.get("Items", [])
    ]
    return reminders, response.get("LastEvaluatedKey")
