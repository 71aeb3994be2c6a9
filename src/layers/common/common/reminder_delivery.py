"""Sending one queued reminder: one e-mail per reminder, however often its message is delivered.

SQS delivers a message at least once, and the schedule queues a reminder again every minute until
it is done, so the worker sees the same reminder more than once: after a failure, after a slow
run, or twice at the same moment. The task's item decides who sends, with three conditional
writes on it (DynamoDB's conditions are atomic per item):

1. Claim: set `reminder_claim` (a new id) and `reminder_claimed_at`, on condition that the task
   still has the reminder the message names (`remind_at` equal: not deleted, not done, not
   changed, not sent already) and that nobody holds a claim on it, or the claim is older than
   the claim time (the queue's visibility timeout, which outlasts the worker's own timeout: a
   claim that old belongs to a delivery that died). Only one delivery wins; the others read why
   from the item the refusal returns (`situation`) and finish without sending.
2. Send the e-mail with SES.
3. Record: remove the reminder, its shard and the claim (the task leaves the index of pending
   reminders) and set `reminded_at`, on condition that the claim is still ours. If the task was
   deleted or given another reminder while the mail went out, the record is refused and nothing
   else happens: that mail was due when it was sent, and a new reminder is a new claim.

If sending fails, the claim is released (a conditional remove) and the error fails the message,
so SQS delivers it again after its visibility timeout (and the schedule queues it again anyway):
the retry finds the reminder unclaimed and sends. After a few failed receives the message goes to
the dead-letter queue, and its alarm, while the reminder stays pending in the index: once SES
works again the next run sends it. A message is never the only copy of anything, so one that is
skipped or lost costs nothing.

A reminder is sent twice only if the worker stops between SES accepting the mail and step 3 (a
crash or a timeout in that window, or a record that keeps failing): the claim then ages out and
the reminder is sent again. SES and DynamoDB have no shared transaction, so the choice is between
that window and one where a reminder is marked sent but never mailed; a missed reminder is the
worse failure for a todo app.

Some reminders are dropped rather than sent: SES refused the message for good (in its sandbox, a
recipient that is not verified), there is no address for the user, or the reminder is more than
MAX_LATE_SECONDS overdue (SES was down for a day: a reminder that late is noise, and one left in
the index for good would fill every run's share of its shard). Each is a warning in the log and a
metric.

Why not Powertools' idempotency utility: it keeps its records in a table of its own (one more
table, and four more DynamoDB permissions), it knows nothing of a task deleted or rescheduled
after the message was queued, and the task's item has to be written anyway to clear the reminder.
Claiming on the item itself needs no more than the UpdateItem the worker already has.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from common import clock, dynamo, ids, mail, task_model, user_emails
from common.observability import logger
from common.reminder_index import Reminder

MAX_LATE_SECONDS = 24 * 3600
_CLAIM_ATTEMPTS = 3


class Situation(enum.Enum):
    """Where the reminder a message names stands, as the task's item shows it."""

    GONE = "the task no longer exists"
    NOT_PENDING = "the task has no pending reminder: cancelled, done, or sent already"
    RESCHEDULED = "the task has another reminder: the message is for an earlier one"
    IN_FLIGHT = "another delivery claimed it less than the claim time ago"
    CLAIMABLE = "pending as the message says, and nobody holds a live claim on it"


class Outcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # another delivery's, or nothing to send any more
    EXPIRED = "expired"  # more than MAX_LATE_SECONDS overdue: dropped
    REJECTED = "rejected"  # SES refused it for good: dropped
    NO_ADDRESS = "no_address"  # nobody to write to: dropped


def situation(item: Mapping[str, Any] | None, reminder: Reminder, *, now: int, claim_seconds: int) -> Situation:
    """Classify the task's item (DynamoDB JSON, as a refused write returns it) for `reminder`."""
    if item is None:
        return Situation.GONE
    if "remind_at" not in item:
        return Situation.NOT_PENDING
    if int(item["remind_at"]["N"]) != reminder.remind_at:
        return Situation.RESCHEDULED
    if "reminder_claim" in item and int(item["reminder_claimed_at"]["N"]) >= now - claim_seconds:
        return Situation.IN_FLIGHT
    return Situation.CLAIMABLE


def is_too_late(reminder: Reminder, *, now: int) -> bool:
    return now - reminder.remind_at > MAX_LATE_SECONDS


def deliver(reminder: Reminder, *, claim_seconds: int) -> Outcome:
    """Send `reminder` if this delivery wins its claim; what happened. Raises when sending failed
    (the claim released, so a later delivery sends it)."""
    token = ids.new_id()
    now = clock.now_epoch()
    task = _claim(reminder, token, now=now, claim_seconds=claim_seconds)
    if task is None:
        return Outcome.SKIPPED
    try:
        outcome = _send(reminder, task, now=now)
    except Exception:
        _release(reminder, token)
        raise
    recorded = _record(reminder, token, sent=outcome is Outcome.SENT, now=clock.now_epoch())
    if not recorded:
        logger.warning("The task changed while its reminder was handled", extra=_ids(reminder, outcome=outcome))
    return outcome


def compose(task: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and text of a task's reminder (`task`: its item as plain values)."""
    title = str(task["title"])
    lines = [title, ""]
    if task.get("due_date"):
        lines.append(f"Due: {task['due_date']}")
    if task.get("description"):
        lines += [str(task["description"]), ""]
    lines.append(f"You asked to be reminded at {clock.iso(int(task['remind_at']))}.")
    return f"Reminder: {title}", "\n".join(lines) + "\n"


def _send(reminder: Reminder, task: Mapping[str, Any], *, now: int) -> Outcome:
    if is_too_late(reminder, now=now):
        logger.warning("Reminder dropped: too late to be of use", extra=_ids(reminder))
        return Outcome.EXPIRED
    address = user_emails.address_of(reminder.user_id)
    if address is None:
        logger.warning("Reminder dropped: no verified address for the user", extra=_ids(reminder))
        return Outcome.NO_ADDRESS
    subject, text = compose(task)
    try:
        message_id = mail.send(address, subject, text)
    except mail.Rejected as refusal:
        logger.warning("Reminder dropped: SES refused it", extra=_ids(reminder, reason=str(refusal)))
        return Outcome.REJECTED
    logger.info("Reminder sent", extra=_ids(reminder, message_id=message_id))
    return Outcome.SENT


def _claim(reminder: Reminder, token: str, *, now: int, claim_seconds: int) -> dict[str, Any] | None:
    """Claim the reminder; the task (plain values) if this delivery won, None if it has nothing to do."""
    for _ in range(_CLAIM_ATTEMPTS):
        try:
            response = dynamo.client.update_item(
                TableName=task_model.table(),
                Key=task_model.key(reminder.user_id, reminder.task_id),
                UpdateExpression="SET #claim = :token, #claimed_at = :now",
                ConditionExpression=(
                    "#remind_at = :remind_at AND (attribute_not_exists(#claim) OR #claimed_at < :stale_before)"
                ),
                ExpressionAttributeNames={
                    "#remind_at": "remind_at",
                    "#claim": "reminder_claim",
                    "#claimed_at": "reminder_claimed_at",
                },
                ExpressionAttributeValues={
                    ":remind_at": {"N": str(reminder.remind_at)},
                    ":token": {"S": token},
                    ":now": {"N": str(now)},
                    ":stale_before": {"N": str(now - claim_seconds)},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except dynamo.client.exceptions.ConditionalCheckFailedException as refused:
            found = situation(dynamo.item_at_failure(refused), reminder, now=now, claim_seconds=claim_seconds)
            if found is not Situation.CLAIMABLE:  # CLAIMABLE: released since the refusal; try again
                logger.info("Reminder not sent by this delivery", extra=_ids(reminder, situation=found.name))
                return None
            continue
        return dynamo.from_item(response["Attributes"])
    return None  # it kept changing under us: whoever changed it owns it now


def _record(reminder: Reminder, token: str, *, sent: bool, now: int) -> bool:
    """Take the reminder off the task (and the index), recording when it was sent; False if the
    claim was no longer ours (the task was deleted or given another reminder meanwhile)."""
    names = {f"#{attribute}": attribute for attribute in task_model.REMINDER_ATTRIBUTES}
    values: dict[str, Any] = {":token": {"S": token}}
    update = "REMOVE " + ", ".join(names)
    if sent:
        update = "SET #reminded_at = :now " + update
        names["#reminded_at"] = "reminded_at"
        values[":now"] = {"N": str(now)}
    try:
        dynamo.client.update_item(
            TableName=task_model.table(),
            Key=task_model.key(reminder.user_id, reminder.task_id),
            UpdateExpression=update,
            ConditionExpression="#reminder_claim = :token",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except dynamo.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _release(reminder: Reminder, token: str) -> None:
    """Give the claim up, so the next delivery need not wait for it to age out (best effort: if
    this fails too, it ages out)."""
    try:
        dynamo.client.update_item(
            TableName=task_model.table(),
            Key=task_model.key(reminder.user_id, reminder.task_id),
            UpdateExpression="REMOVE #claim, #claimed_at",
            ConditionExpression="#claim = :token",
            ExpressionAttributeNames={"#claim": "reminder_claim", "#claimed_at": "reminder_claimed_at"},
            ExpressionAttributeValues={":token": {"S": token}},
        )
    except Exception:
        logger.exception("Could not release the claim on a reminder: it ages out", extra=_ids(reminder))


def _ids(reminder: Reminder, **extra: object) -> dict[str, object]:
    return {"user_id": reminder.user_id, "task_id": reminder.task_id, "remind_at": reminder.remind_at, **extra}
