"""The UpdateItem arguments the layer builds (tasks.update_request, attachment_slots.slot_update)."""

from __future__ import annotations

from typing import Any

import pytest

from common import attachment_slots, dynamo, errors, task_model, tasks

NOW = 1_800_000_000
TASK = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"


def test_an_update_sets_the_changes_removes_nones_and_moves_to_the_next_version() -> None:
    update = tasks.update_request(TASK, 3, {"title": "new", "due_date": None}, now=NOW)

    assert update == {
        "UpdateExpression": "SET #updated_at = :now, #version = #version + :one, #title = :title REMOVE #due_date",
        "ConditionExpression": "attribute_exists(task_id) AND #version = :version",
        "ExpressionAttributeNames": {
            "#version": "version",
            "#updated_at": "updated_at",
            "#title": "title",
            "#due_date": "due_date",
        },
        "ExpressionAttributeValues": {
            ":version": {"N": "3"},
            ":one": {"N": "1"},
            ":now": {"N": str(NOW)},
            ":title": {"S": "new"},
        },
    }


CLAIMS = "#reminder_claim, #reminder_claimed_at"
REMINDER_NAMES = {
    "#remind_at": "remind_at",
    "#reminder_shard": "reminder_shard",
    "#reminder_claim": "reminder_claim",
    "#reminder_claimed_at": "reminder_claimed_at",
}


def test_a_new_reminder_puts_the_task_in_its_index_shard_unless_the_task_is_done() -> None:
    update = tasks.update_request(TASK, 3, {"remind_at": 1_900_000_000}, now=NOW)

    assert update["UpdateExpression"] == (
        "SET #updated_at = :now, #version = #version + :one, #remind_at = :remind_at,"
        f" #reminder_shard = :reminder_shard REMOVE {CLAIMS}"  # a claim on an earlier reminder is void
    )
    assert update["ConditionExpression"] == "attribute_exists(task_id) AND #version = :version AND #status <> :done"
    assert update["ExpressionAttributeValues"][":reminder_shard"] == {"S": task_model.reminder_shard(TASK)}
    assert update["ExpressionAttributeValues"][":done"] == {"S": "done"}
    assert REMINDER_NAMES.items() <= update["ExpressionAttributeNames"].items()


def test_a_new_reminder_with_a_new_status_needs_no_status_condition() -> None:
    update = tasks.update_request(TASK, 3, {"remind_at": 1_900_000_000, "status": "pending"}, now=NOW)

    assert update["ConditionExpression"] == "attribute_exists(task_id) AND #version = :version"


@pytest.mark.parametrize("changes", [{"remind_at": None}, {"status": "done"}, {"status": "done", "remind_at": None}])
def test_null_or_done_takes_the_task_out_of_the_index(changes: dict[str, Any]) -> None:
    update = tasks.update_request(TASK, 3, changes, now=NOW)

    removed = update["UpdateExpression"].split(" REMOVE ")[1].split(", ")
    assert sorted(removed) == sorted(REMINDER_NAMES)
    assert update["ConditionExpression"] == "attribute_exists(task_id) AND #version = :version"


def test_other_changes_leave_the_reminder_alone() -> None:
    update = tasks.update_request(TASK, 3, {"status": "in_progress", "title": "t"}, now=NOW)

    assert "remind" not in update["UpdateExpression"]


ENTRY = {"M": {"status": {"S": "pending"}}}


def task_seen(*entries: dict[str, Any]) -> dict[str, Any]:
    """A task item as a refused write returns it, with these attachment entries (ids a0, a1, ...)."""
    return {
        "task_id": {"S": "t"},
        "attachments": dynamo.to_item({"v": {f"a{n:02d}": e for n, e in enumerate(entries)}})["v"],
    }


def pending(expires_at: int) -> dict[str, Any]:
    return {"status": "pending", "expires_at": expires_at}


def test_the_first_attempt_adds_the_entry_if_the_task_has_room() -> None:
    update = attachment_slots.slot_update("new", ENTRY, None, now=NOW)

    assert update["UpdateExpression"] == "SET #att.#new = :entry"
    assert update["ConditionExpression"] == (
        "attribute_exists(task_id) AND attribute_exists(#att) AND size(#att) < :max"
    )
    assert update["ExpressionAttributeValues"] == {":entry": ENTRY, ":max": {"N": "20"}}


def test_a_task_from_before_attachments_gets_the_map_with_the_entry() -> None:
    update = attachment_slots.slot_update("new", ENTRY, {"task_id": {"S": "t"}}, now=NOW)

    assert update["UpdateExpression"] == "SET #att = :map"
    assert update["ConditionExpression"] == "attribute_exists(task_id) AND attribute_not_exists(#att)"
    assert update["ExpressionAttributeValues"] == {":map": {"M": {"new": ENTRY}}}


def test_a_full_task_gives_the_oldest_dead_entry_s_place_if_nothing_changed_since() -> None:
    live = [pending(NOW + 60)] * 17
    seen = task_seen(pending(NOW), {"status": "rejected"}, *live, pending(NOW - 5))  # a00, a01 and a19 are dead

    update = attachment_slots.slot_update("new", ENTRY, seen, now=NOW)

    assert update["UpdateExpression"] == "REMOVE #att.#d0 SET #att.#new = :entry"
    assert update["ExpressionAttributeNames"]["#d0"] == "a00"  # the oldest of the three
    assert update["ConditionExpression"] == (
        "attribute_exists(task_id) AND size(#att) = :seen AND (#att.#d0.#status = :rejected"
        " OR (#att.#d0.#status = :pending AND #att.#d0.expires_at <= :now))"
    )
    assert update["ExpressionAttributeValues"][":seen"] == {"N": "20"}


def test_a_task_full_of_live_entries_is_a_conflict() -> None:
    seen = task_seen(*[pending(NOW + 60)] * 19, {"status": "ready"})

    with pytest.raises(errors.Conflict, match="at most 20 attachments"):
        attachment_slots.slot_update("new", ENTRY, seen, now=NOW)
