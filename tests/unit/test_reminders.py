"""The pure parts of reminders: the queue's messages, resending what a batch call refused, how a
delivery reads the task it found, and the mail's words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from common import reminder_delivery, reminder_queue
from common.reminder_delivery import Situation
from common.reminder_index import Reminder

TASK = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"
DUE = 1_800_000_000
REMINDER = Reminder("u1", TASK, DUE)
CLAIM_SECONDS = 60
NOW = DUE + 5


# --- messages -----------------------------------------------------------------------------------


def test_a_message_is_the_reminder_and_reads_back_as_it() -> None:
    body = reminder_queue.message(REMINDER)

    assert json.loads(body) == {"user_id": "u1", "task_id": TASK, "remind_at": DUE}
    assert reminder_queue.parse(body) == REMINDER


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "Expecting value"),
        ("[1, 2]", "not a reminder message"),
        (json.dumps({"user_id": "u1", "task_id": TASK}), "not a reminder message"),
        (json.dumps({"user_id": "u1", "task_id": TASK, "remind_at": DUE, "extra": 1}), "not a reminder message"),
        (json.dumps({"user_id": "u1", "task_id": TASK, "remind_at": "1800000000"}), "remind_at is not epoch"),
        (json.dumps({"user_id": "u1", "task_id": TASK, "remind_at": True}), "remind_at is not epoch"),
        (json.dumps({"user_id": "u1", "task_id": TASK, "remind_at": -1}), "remind_at is not epoch"),
        (json.dumps({"user_id": "u/1", "task_id": TASK, "remind_at": DUE}), "user_id is not a user id"),
        (json.dumps({"user_id": 1, "task_id": TASK, "remind_at": DUE}), "user_id is not a user id"),
        (json.dumps({"user_id": "u1", "task_id": "../x", "remind_at": DUE}), "task_id is not a task id"),
        (json.dumps({"user_id": "u1", "task_id": 1, "remind_at": DUE}), "task_id is not a task id"),
    ],
)
def test_a_body_this_app_never_sends_is_a_value_error_not_an_api_error(body: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        reminder_queue.parse(body)


# --- SendMessageBatch ----------------------------------------------------------------------------


class FakeSqs:
    """SendMessageBatch's answers: refuses each id in `refusals` as many times as it says."""

    def __init__(self, refusals: dict[str, int]) -> None:
        self.refusals = dict(refusals)
        self.calls: list[list[str]] = []

    def send_batch(self, entries: list[dict[str, str]]) -> dict[str, Any]:
        self.calls.append([entry["Id"] for entry in entries])
        failed = []
        for entry in entries:
            if self.refusals.get(entry["Id"], 0) > 0:
                self.refusals[entry["Id"]] -= 1
                failed.append({"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"})
        return {"Successful": [], "Failed": failed}


def entries(count: int) -> list[dict[str, str]]:
    return [{"Id": str(number), "MessageBody": "{}"} for number in range(count)]


def test_messages_go_ten_to_a_call() -> None:
    sqs = FakeSqs({})

    assert reminder_queue.send_entries(entries(25), sqs.send_batch) == []
    assert [len(call) for call in sqs.calls] == [10, 10, 5]


def test_entries_a_call_refused_are_sent_again_alone() -> None:
    sqs = FakeSqs({"3": 1, "17": 2})

    assert reminder_queue.send_entries(entries(20), sqs.send_batch) == []
    assert sqs.calls[2:] == [["3", "17"], ["17"]]


def test_an_entry_refused_three_times_is_given_up_and_left_for_the_next_run() -> None:
    sqs = FakeSqs({"4": 99})

    assert reminder_queue.send_entries(entries(5), sqs.send_batch) == [{"Id": "4", "MessageBody": "{}"}]
    assert len(sqs.calls) == reminder_queue.ATTEMPTS


# --- what a delivery finds -----------------------------------------------------------------------


def item(**attributes: object) -> dict[str, Any]:
    found: dict[str, Any] = {"user_id": {"S": "u1"}, "task_id": {"S": TASK}, "title": {"S": "t"}}
    for name, value in attributes.items():
        found[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
    return found


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (None, Situation.GONE),
        (item(), Situation.NOT_PENDING),  # sent already, cancelled, or marked done
        (item(remind_at=DUE + 3600), Situation.RESCHEDULED),
        (item(remind_at=DUE, reminder_claim="other", reminder_claimed_at=NOW), Situation.IN_FLIGHT),
        (item(remind_at=DUE, reminder_claim="other", reminder_claimed_at=NOW - CLAIM_SECONDS), Situation.IN_FLIGHT),
        (item(remind_at=DUE, reminder_claim="dead", reminder_claimed_at=NOW - CLAIM_SECONDS - 1), Situation.CLAIMABLE),
        (item(remind_at=DUE), Situation.CLAIMABLE),
    ],
)
def test_a_refused_claim_says_why_from_the_item_it_found(found: dict[str, Any] | None, expected: Situation) -> None:
    assert reminder_delivery.situation(found, REMINDER, now=NOW, claim_seconds=CLAIM_SECONDS) is expected


def test_a_reminder_more_than_a_day_late_is_too_late() -> None:
    day = reminder_delivery.MAX_LATE_SECONDS

    assert not reminder_delivery.is_too_late(REMINDER, now=DUE + day)
    assert reminder_delivery.is_too_late(REMINDER, now=DUE + day + 1)


# --- the mail ------------------------------------------------------------------------------------


def test_the_mail_names_the_task_its_due_date_and_the_time_asked_for() -> None:
    task = {"title": "Renew passport", "description": "Photos first.\nThen the form.", "due_date": "2027-01-31"}

    subject, text = reminder_delivery.compose({**task, "remind_at": DUE})

    assert subject == "Reminder: Renew passport"
    assert text == (
        "Renew passport\n\nDue: 2027-01-31\nPhotos first.\nThen the form.\n\n"
        "You asked to be reminded at 2027-01-15T08:00:00Z.\n"
    )


def test_a_bare_task_makes_a_short_mail() -> None:
    assert reminder_delivery.compose({"title": "t", "description": "", "remind_at": DUE})[1] == (
        "t\n\nYou asked to be reminded at 2027-01-15T08:00:00Z.\n"
    )
