"""What process_upload found in a file, recorded on its attachment: the upload-outcome state machine.

An attachment's `status` moves once, `pending` -> `ready` | `rejected`, by a conditional write, so
a redelivered S3 event changes nothing. Where the attachment stands when a file's event is
processed is a `Situation`; `TRANSITIONS` says, for each, what to do: write an outcome (guarded by
a condition that the attachment is still in that situation) or finish without writing.

The usual case costs one UpdateItem: `record` first assumes the attachment is open (pending, in its
window, declared as this file is) and writes. Only when that condition fails does it look at the
item the refusal returned, classify it, and follow the table from there; a write refused again (the
attachment changed meanwhile) is classified again, a few times at most.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, NamedTuple

from common import clock, dynamo, task_model
from common.attachment_keys import Ref

REPLACED_REASON = "The file was replaced after it was checked"
_ATTEMPTS = 3


class Checked(NamedTuple):
    """What the checks found in one uploaded file (one version of it: `etag`)."""

    etag: str
    size: int
    content_type: str | None  # what the file's bytes are, if one of the allowed types
    reason: str | None = None  # why it is rejected; None = acceptable
    width: int | None = None
    height: int | None = None
    thumbnail_key: str | None = None

    def rejected(self, reason: str) -> Checked:
        return Checked(self.etag, self.size, self.content_type, reason)


class Outcome(NamedTuple):
    """What happened to the attachment; `keep` says whether its file and thumbnail stay."""

    status: str  # ready | rejected | duplicate | expired | orphan | replaced
    keep: bool


class Situation(enum.Enum):
    """Where the attachment stands, as the event for one version (etag) of its file finds it."""

    GONE = "no task, or no such attachment: the file belongs to nothing"
    EXPIRED = "pending, but its upload window has closed"
    OPEN_ACCEPTABLE = "pending, in its window; the file passed its checks and is what was declared"
    OPEN_REFUSED = "pending, in its window; the file failed its checks or is not what was declared"
    SAME_FILE_READY = "this very file was recorded ready before (a redelivered event)"
    SAME_FILE_REJECTED = "this very file was recorded rejected before (a redelivered event)"
    OTHER_FILE_READY = "another file was recorded ready, and this one has overwritten it"
    OTHER_FILE_REJECTED = "another file was recorded rejected, and this one came after it"


class Finish(NamedTuple):
    """Write nothing; this is the outcome."""

    outcome: Outcome


class Write(NamedTuple):
    """Write `status` on the attachment, if it is still in the situation it was found in."""

    status: str  # ready | rejected
    outcome: Outcome


TRANSITIONS: Mapping[Situation, Finish | Write] = {
    Situation.GONE: Finish(Outcome("orphan", keep=False)),
    Situation.EXPIRED: Finish(Outcome("expired", keep=False)),
    Situation.OPEN_ACCEPTABLE: Write("ready", Outcome("ready", keep=True)),
    Situation.OPEN_REFUSED: Write("rejected", Outcome("rejected", keep=False)),
    Situation.SAME_FILE_READY: Finish(Outcome("duplicate", keep=True)),
    Situation.SAME_FILE_REJECTED: Finish(Outcome("duplicate", keep=False)),
    # Nothing checked is left (the checked file was overwritten): the attachment becomes rejected.
    Situation.OTHER_FILE_READY: Write("rejected", Outcome("replaced", keep=False)),
    Situation.OTHER_FILE_REJECTED: Finish(Outcome("replaced", keep=False)),
}


def classify(entry: Mapping[str, Any] | None, checked: Checked, now: int) -> Situation:
    """The situation of an attachment entry (None: no task or no entry) for the file `checked`."""
    if entry is None:
        return Situation.GONE
    status = entry["status"]
    if status != "pending":
        same = entry.get("etag") == checked.etag
        if status == "ready":
            return Situation.SAME_FILE_READY if same else Situation.OTHER_FILE_READY
        return Situation.SAME_FILE_REJECTED if same else Situation.OTHER_FILE_REJECTED
    if int(entry["expires_at"]) <= now:
        return Situation.EXPIRED
    if refusal(entry, checked) is None:
        return Situation.OPEN_ACCEPTABLE
    return Situation.OPEN_REFUSED


def refusal(entry: Mapping[str, Any] | None, checked: Checked) -> str | None:
    """Why the file is rejected (its checks, or not being what was declared), or None.
    Without the entry (not read yet) only the checks can tell."""
    if checked.reason is not None or entry is None:
        return checked.reason
    declared = (entry["content_type"], int(entry["size"]))
    if declared == (checked.content_type, checked.size):
        return None
    return (
        f"The file is {checked.content_type or 'of another type'}, {checked.size} bytes; "
        f"declared {declared[0]}, {declared[1]} bytes"
    )


def record(ref: Ref, checked: Checked) -> Outcome:
    """Record what the checks found on the attachment, following TRANSITIONS; its outcome."""
    now = clock.now_epoch()
    situation = Situation.OPEN_ACCEPTABLE if checked.reason is None else Situation.OPEN_REFUSED
    entry: Mapping[str, Any] | None = None  # not read: the first write assumes an open attachment
    for _ in range(_ATTEMPTS):
        step = TRANSITIONS[situation]
        if isinstance(step, Finish):
            return step.outcome
        try:
            dynamo.client.update_item(
                TableName=task_model.table(),
                Key=task_model.key(ref.user_id, ref.task_id),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **outcome_update(ref.attachment_id, situation, step.status, checked, entry, now=now),
            )
        except dynamo.client.exceptions.ConditionalCheckFailedException as refused:
            item = dynamo.from_item(dynamo.item_at_failure(refused) or {})
            entry = (item.get("attachments") or {}).get(ref.attachment_id)
            situation = classify(entry, checked, now)
            continue
        return step.outcome
    raise RuntimeError(f"Attachment {ref.attachment_id} kept changing while its outcome was recorded")


def outcome_update(
    attachment_id: str,
    situation: Situation,
    status: str,
    checked: Checked,
    entry: Mapping[str, Any] | None,
    *,
    now: int,
) -> dict[str, Any]:
    """The UpdateItem arguments that write `status` on the attachment, on condition that it is still
    in `situation` (as `entry` showed it; None: not read yet)."""
    names = {"#att": "attachments", "#id": attachment_id, "#status": "status"}
    values: dict[str, Any] = {}
    if situation is Situation.OTHER_FILE_READY:  # exactly the checked state seen: same status, same file
        if entry is None:
            raise ValueError("OTHER_FILE_READY is only known from the entry classify() saw")
        condition = "#att.#id.#status = :was AND #att.#id.etag = :was_etag"
        values.update({":was": {"S": "ready"}, ":was_etag": {"S": entry["etag"]}})
        fields: dict[str, Any] = {"status": status, "etag": checked.etag, "reason": REPLACED_REASON}
    else:  # OPEN_*: still pending, still in its window
        condition = "#att.#id.#status = :pending AND #att.#id.expires_at > :now"
        values.update({":pending": {"S": "pending"}, ":now": {"N": str(now)}})
        fields = {"status": status, "etag": checked.etag}
        if status == "ready":  # and is what was declared
            condition += " AND #att.#id.content_type = :type AND #att.#id.#size = :size"
            names["#size"] = "size"
            values.update(dynamo.to_item({":type": checked.content_type, ":size": checked.size}))
            fields.update(width=checked.width, height=checked.height, thumbnail_key=checked.thumbnail_key)
        else:
            fields["reason"] = refusal(entry, checked)
    fields["processed_at"] = now
    sets = []
    for index, (name, value) in enumerate((name, value) for name, value in fields.items() if value is not None):
        names[f"#f{index}"] = name
        values[f":f{index}"] = dynamo.to_item({"v": value})["v"]
        sets.append(f"#att.#id.#f{index} = :f{index}")
    return {
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": f"attribute_exists(task_id) AND {condition}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
