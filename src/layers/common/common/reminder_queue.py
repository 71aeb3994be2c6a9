"""The queue of reminders to send: one SQS message per reminder, sent ten to a request.

A message is the reminder as JSON, `{"user_id", "task_id", "remind_at"}`: what the worker needs to
find the task and to tell this reminder from a later one of the same task. It carries no title or
address (the worker reads them when it sends), so a message waiting in the queue goes stale in no
way that matters: the task is the truth.

SendMessageBatch takes ten messages and can fail some of them while the call succeeds (`Failed`
in the answer). Those are sent again, twice at most; what is still refused then is left for the
next run of the schedule, which finds the same reminders still due.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from common import aws_clients, ids
from common.reminder_index import Reminder

BATCH = 10  # SendMessageBatch's limit
ATTEMPTS = 3  # per message: the first send, then two for the entries a batch call refused

type Entry = dict[str, str]
type SendBatch = Callable[[list[Entry]], Mapping[str, Any]]


def queue_url() -> str:
    """The reminder queue, from the `REMINDER_QUEUE_URL` variable the template sets."""
    return os.environ["REMINDER_QUEUE_URL"]


def message(reminder: Reminder) -> str:
    return json.dumps({"user_id": reminder.user_id, "task_id": reminder.task_id, "remind_at": reminder.remind_at})


def parse(body: str) -> Reminder:
    """The reminder a message is about; ValueError for a body this app never sends."""
    value = json.loads(body)
    if not isinstance(value, dict) or set(value) != {"user_id", "task_id", "remind_at"}:
        raise ValueError("not a reminder message")
    remind_at = value["remind_at"]
    if isinstance(remind_at, bool) or not isinstance(remind_at, int) or remind_at < 0:
        raise ValueError("remind_at is not epoch seconds")
    user_id, task_id = value["user_id"], value["task_id"]
    # The patterns, not ids.validate_*: those raise the API's BadRequest, and this is no request.
    if not isinstance(user_id, str) or not ids.USER_ID_PATTERN.fullmatch(user_id):
        raise ValueError("user_id is not a user id")
    if not isinstance(task_id, str) or not ids.ID_PATTERN.fullmatch(task_id):
        raise ValueError("task_id is not a task id")
    return Reminder(user_id, task_id, remind_at)


def send(reminders: Sequence[Reminder]) -> int:
    """Queue one message per reminder; how many could not be queued."""
    url = queue_url()

    def send_batch(entries: list[Entry]) -> Mapping[str, Any]:
        return aws_clients.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[no-any-return]

    entries = [{"Id": str(number), "MessageBody": message(reminder)} for number, reminder in enumerate(reminders)]
    return len(send_entries(entries, send_batch))


def send_entries(entries: list[Entry], send_batch: SendBatch, attempts: int = ATTEMPTS) -> list[Entry]:
    """Send `entries` ten to a call, sending again the ones a call refused (`Failed`), `attempts`
    times in all per entry; the entries still refused after that."""
    pending = list(entries)
    for _ in range(attempts):
        refused: list[Entry] = []
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            failed = {failure["Id"] for failure in send_batch(batch).get("Failed", [])}
            refused += [entry for entry in batch if entry["Id"] in failed]
        if not refused:
            return []
        pending = refused
    return pending
