"""The worker, SendRemindersFunction: one e-mail per reminder however often its message comes, none
for a task deleted, finished or rescheduled, failed messages reported alone (on the emulator's SES)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from common import aws_clients, clock, reminder_queue
from common.reminder_index import Reminder
from devkit.emulator import Emulator
from devkit.events import sample_event
from devkit.faults import CONTROL_PATH
from devkit.local_aws import cognito_idp_client
from devkit.stack import Stack
from tests.conftest import Invoke
from tests.support.reminders import Reminders
from tests.support.tasks_api import TasksApi

OK: dict[str, Any] = {"batchItemFailures": []}


def message(task: dict[str, Any]) -> str:
    """The queue's message for a task's reminder, as the schedule sends it."""
    remind_at = datetime.strptime(task["remind_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return reminder_queue.message(Reminder(task["user_id"], task["task_id"], int(remind_at.timestamp())))


def test_a_reminder_is_mailed_to_the_configured_recipient_and_taken_off_the_task(
    reminders: Reminders, tasks_api: TasksApi
) -> None:
    task = reminders.task(title="Renew passport", description="Photos first.", due_date="2027-01-31")

    assert reminders.deliver(message(task)) == OK

    (mail,) = reminders.mail()
    assert (mail.sender, mail.to, mail.subject) == (
        "reminders@example.com",
        ("me@example.com",),
        "Reminder: Renew passport",
    )
    assert "Photos first." in mail.body
    assert "Due: 2027-01-31" in mail.body
    assert tasks_api.get("u1", task["task_id"]).body["remind_at"] is None
    item = reminders.item("u1", task["task_id"])
    assert item is not None
    assert {"remind_at", "reminder_shard", "reminder_claim", "reminder_claimed_at"}.isdisjoint(item)
    assert abs(int(item["reminded_at"]["N"]) - clock.now_epoch()) <= 5


def test_a_message_delivered_twice_sends_one_mail(reminders: Reminders) -> None:
    body = message(reminders.task())

    assert reminders.deliver(body, body) == OK  # the same reminder twice in one batch
    assert reminders.deliver(body) == OK  # and again later

    assert len(reminders.mail()) == 1


def test_a_task_deleted_finished_or_rescheduled_after_its_message_was_queued_gets_no_mail(
    reminders: Reminders, tasks_api: TasksApi
) -> None:
    deleted, done, moved = reminders.task(), reminders.task(), reminders.task()
    old_messages = [message(task) for task in (deleted, done, moved)]
    tasks_api.delete("u1", deleted["task_id"])
    tasks_api.update("u1", done["task_id"], {"status": "done", "version": 1})
    later = tasks_api.update("u1", moved["task_id"], {"remind_at": clock.iso(clock.now_epoch() + 3600), "version": 1})

    assert reminders.deliver(*old_messages) == OK
    assert reminders.mail() == []

    assert reminders.deliver(message(later.body)) == OK  # the new reminder is the one that counts
    assert [mail.subject for mail in reminders.mail()] == ["Reminder: Renew passport"]


def test_a_task_deleted_or_rescheduled_while_its_mail_went_out_is_left_as_it_now_is(
    reminders: Reminders, tasks_api: TasksApi
) -> None:
    deleted, moved = reminders.task(), reminders.task()
    later = clock.iso(clock.now_epoch() + 3600)
    meanwhile: Iterator[Callable[[], object]] = iter(
        [  # what other requests do while SES sends each mail
            lambda: tasks_api.delete("u1", deleted["task_id"]),
            lambda: tasks_api.update("u1", moved["task_id"], {"remind_at": later, "version": 1}),
        ]
    )

    def other_request(**_: object) -> None:
        next(meanwhile)()

    ses = aws_clients.client("sesv2")
    ses.meta.events.register("after-call.sesv2.SendEmail", other_request, unique_id="meanwhile")
    try:
        assert reminders.deliver(message(deleted), message(moved)) == OK
    finally:
        ses.meta.events.unregister("after-call.sesv2.SendEmail", unique_id="meanwhile")

    assert len(reminders.mail()) == 2  # each was due when it went out
    assert reminders.item("u1", deleted["task_id"]) is None  # the record made no ghost of the deleted task
    assert tasks_api.get("u1", moved["task_id"]).body["remind_at"] == later  # the new reminder stands
    item = reminders.item("u1", moved["task_id"])
    assert item is not None
    assert "reminder_shard" in item  # still in the index, for its own time
    assert "reminded_at" not in item


@pytest.fixture
def ses_down(aws: Emulator) -> Iterator[None]:
    requests.put(f"{aws.endpoint}{CONTROL_PATH}", json=["ses:unavailable:1.0:SendEmail"], timeout=10).raise_for_status()
    yield
    requests.delete(f"{aws.endpoint}{CONTROL_PATH}", timeout=10).raise_for_status()


def test_when_ses_fails_only_that_message_fails_and_its_claim_is_released_for_the_retry(
    reminders: Reminders, aws: Emulator, ses_down: None
) -> None:
    task = reminders.task()

    assert reminders.deliver(message(task)) == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}

    item = reminders.item("u1", task["task_id"])
    assert item is not None
    assert "reminder_claim" not in item  # released: the retry need not wait for it to age out
    assert "remind_at" in item  # still pending, still in the index
    assert reminders.mail() == []
    requests.delete(f"{aws.endpoint}{CONTROL_PATH}", timeout=10).raise_for_status()  # SES is back
    assert reminders.deliver(message(task)) == OK
    assert len(reminders.mail()) == 1


def claim(reminders: Reminders, task: dict[str, Any], *, age: int) -> None:
    """Another delivery's claim on the task's reminder, `age` seconds old."""
    reminders.aws.dynamodb().update_item(
        TableName="TasksTable",
        Key={"user_id": {"S": task["user_id"]}, "task_id": {"S": task["task_id"]}},
        UpdateExpression="SET reminder_claim = :other, reminder_claimed_at = :at",
        ExpressionAttributeValues={":other": {"S": "other"}, ":at": {"N": str(clock.now_epoch() - age)}},
    )


def test_a_reminder_another_delivery_is_sending_is_left_to_it_until_its_claim_ages_out(reminders: Reminders) -> None:
    task = reminders.task()
    claim(reminders, task, age=10)

    assert reminders.deliver(message(task)) == OK
    assert reminders.mail() == []  # that delivery sends it, or its claim ages out

    claim(reminders, task, age=61)  # older than the claim time (60 s): that delivery died
    assert reminders.deliver(message(task)) == OK
    assert len(reminders.mail()) == 1


def test_a_reminder_more_than_a_day_late_is_dropped_not_sent(reminders: Reminders) -> None:
    task = reminders.task()
    then = clock.now_epoch() - 2 * 86400
    reminders.aws.dynamodb().update_item(  # as if it had been due two days ago
        TableName="TasksTable",
        Key={"user_id": {"S": "u1"}, "task_id": {"S": task["task_id"]}},
        UpdateExpression="SET remind_at = :then",
        ExpressionAttributeValues={":then": {"N": str(then)}},
    )
    stale = reminder_queue.message(Reminder("u1", task["task_id"], then))

    assert reminders.deliver(stale) == OK

    assert reminders.mail() == []
    item = reminders.item("u1", task["task_id"])
    assert item is not None
    assert "remind_at" not in item
    assert "reminded_at" not in item


def test_a_message_ses_refuses_for_good_is_dropped_not_retried_and_counted(
    reminders: Reminders, capsys: pytest.CaptureFixture[str]
) -> None:
    task = reminders.task()
    capsys.readouterr()

    # An unverified sender: SES refuses the message (MessageRejected), as it refuses an unverified
    # recipient in its sandbox; sending it again would change nothing.
    assert reminders.deliver(message(task), env={"REMINDER_SENDER": "nobody@unverified.example"}) == OK

    assert '"RemindersRejected":[1.0]' in capsys.readouterr().out  # the metric RemindersRejectedAlarm watches
    assert reminders.mail() == []
    item = reminders.item("u1", task["task_id"])
    assert item is not None
    assert "remind_at" not in item


def test_a_message_this_app_never_sends_fails_alone(reminders: Reminders) -> None:
    good = message(reminders.task())

    assert reminders.deliver("not a reminder", good) == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert len(reminders.mail()) == 1


def test_the_sample_event_reaches_the_handler(invoke_function: Invoke, reminders: Reminders) -> None:
    assert invoke_function("SendRemindersFunction", sample_event("send_reminders")) == OK  # no such task here
    assert reminders.mail() == []


# --- AuthMode=cognito: the owner's verified address, by sub ------------------------------------


@pytest.fixture
def cognito(aws: Emulator, emulator: Emulator, cognito_template: Stack) -> Iterator[dict[str, str]]:
    """The emulator with the template's resources for AuthMode=cognito (in place of `aws`'s); the
    worker's settings for it."""
    emulator.reset()
    ids = emulator.create_resources(cognito_template)
    yield {"AUTH_MODE": "cognito", "USER_POOL_ID": ids["UserPool"]}
    emulator.reset()


def user(emulator: Emulator, pool: str, email: str, *, verified: bool) -> str:
    """A user of the pool; their sub (what their tasks' user_id is)."""
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": str(verified).lower()}]
    created = cognito_idp_client(emulator.endpoint).admin_create_user(
        UserPoolId=pool, Username=email, UserAttributes=attributes, MessageAction="SUPPRESS"
    )
    return str(next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub"))


def test_with_cognito_the_mail_goes_to_the_owners_verified_address_only(
    emulator: Emulator, cognito: dict[str, str], invoke_function: Invoke
) -> None:
    api = TasksApi(invoke_function, env=cognito)
    alice = user(emulator, cognito["USER_POOL_ID"], "alice@example.com", verified=True)
    bob = user(emulator, cognito["USER_POOL_ID"], "bob@example.com", verified=False)
    remind_at = clock.iso(clock.now_epoch() + 60)
    tasks = [
        api.create(sub, {"title": f"for {sub}", "remind_at": remind_at}, claims={"sub": sub}).body
        for sub in (alice, bob)
    ]
    reminders = Reminders(emulator, invoke_function, api)

    assert reminders.deliver(*[message(task) for task in tasks], env=cognito) == OK

    (mail,) = reminders.mail()
    assert (mail.to, mail.subject) == (("alice@example.com",), f"Reminder: for {alice}")
    bobs = reminders.item(bob, tasks[1]["task_id"])
    assert bobs is not None
    assert "remind_at" not in bobs  # nobody to write to: dropped, not retried forever
