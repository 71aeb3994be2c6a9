"""Reminders end to end through `make run`: a task's reminder falls due, the schedule queues it, the
SQS worker mails it to the emulator's SES, once; also when the first delivery fails, never for a
task deleted in time, and for 100 reminders due in the same minute.

Over HTTP to the shared server (tests/e2e/conftest.py's `links_stack`, AuthMode=none: every
reminder goes to the template's ReminderRecipient), whose schedule is fired on demand through the
emulator's control route instead of waiting for the minute. The schedule also fires on its own
every minute meanwhile: a reminder queued twice must still be mailed once, which is the point.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from devkit.faults import CONTROL_PATH as FAULTS
from devkit.local_aws import sqs_client
from devkit.local_server import LocalStack
from devkit.sent_mail import CONTROL_PATH as MAIL
from devserver.schedules import CONTROL_PATH as SCHEDULES
from tests.e2e.conftest import LinksStack
from tests.support.polling import poll

pytestmark = pytest.mark.e2e

TIMEOUT = 30
MAIL_SECONDS = 15.0  # from a fired schedule to the mail, cold workers included, on a busy machine
RECIPIENT = "me@example.com"  # the template's ReminderRecipient


@dataclass(frozen=True)
class Server:
    url: str
    emulator: str
    console: LocalStack

    def task(self, title: str, remind_at: int) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}/users/reminded/tasks", json={"title": title, "remind_at": iso(remind_at)}, timeout=TIMEOUT
        )
        assert response.status_code == 201, response.text
        task: dict[str, Any] = response.json()
        return task

    def fire_schedule(self, at: int | None = None) -> None:
        """Run the reminder schedule now (as if at epoch second `at`), as EventBridge would on the
        minute; back when it has run."""
        query = {"time": iso(at)} if at is not None else {}
        url = f"{self.emulator}{SCHEDULES}/QueueDueRemindersFunction"
        response = requests.post(url, params=query, timeout=TIMEOUT)
        assert response.json() == {"function": "QueueDueRemindersFunction", "succeeded": True}, response.text

    def queue(self) -> tuple[int, int]:
        """The reminder queue's messages: (waiting, in flight)."""
        sqs = sqs_client(self.emulator)
        url = sqs.get_queue_url(QueueName="ReminderQueue")["QueueUrl"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]  # type: ignore[arg-type]
        return int(counts["ApproximateNumberOfMessages"]), int(counts["ApproximateNumberOfMessagesNotVisible"])

    def queue_drained(self, in_flight_before: int) -> None:
        """Wait until the reminder queue holds no message waiting and no more in flight than before
        the test (a failed one stays in flight for the visibility timeout): a duplicate delivery
        would have shown by then."""

        def drained() -> bool | None:
            waiting, in_flight = self.queue()
            return True if waiting == 0 and in_flight <= in_flight_before else None

        poll(drained, MAIL_SECONDS, "the reminder queue to drain")

    def mail(self, subject_part: str) -> list[dict[str, Any]]:
        """Every mail the emulator's SES accepted whose subject holds `subject_part`."""
        mails: list[dict[str, Any]] = requests.get(f"{self.emulator}{MAIL}", timeout=TIMEOUT).json()
        return [mail for mail in mails if subject_part in mail["subject"]]

    def set_faults(self, *specs: str) -> None:
        requests.put(f"{self.emulator}{FAULTS}", json=list(specs), timeout=TIMEOUT).raise_for_status()


@pytest.fixture(scope="module")
def server(links_stack: LinksStack) -> Server:
    return Server(links_stack.url, links_stack.emulator_endpoint, links_stack.stack)


@pytest.fixture
def faults(server: Server) -> Iterator[Server]:
    yield server
    server.set_faults()


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def soon(seconds: int = 2) -> int:
    """An epoch second at least `seconds` ahead (rounded up: the API takes only future reminders,
    and the tasks are created after this is computed)."""
    return math.ceil(time.time()) + seconds


def wait_until(epoch: int) -> None:
    time.sleep(max(0.0, epoch - time.time()))


def mails_for(server: Server, tag: str, count: int) -> list[dict[str, Any]]:
    """The mails tagged `tag`, once there are `count` of them."""
    return poll(lambda: found if len(found := server.mail(tag)) >= count else None, MAIL_SECONDS, f"{count} x {tag}")


def test_a_task_due_in_two_seconds_gets_exactly_one_mail_and_a_deleted_one_none(server: Server) -> None:
    tag = uuid.uuid4().hex[:8]
    due = soon(2)
    kept = server.task(f"Water the plants {tag}", due)
    deleted = server.task(f"Cancelled {tag}", due)
    assert (
        requests.delete(f"{server.url}/users/reminded/tasks/{deleted['task_id']}", timeout=TIMEOUT).status_code == 204
    )
    mark, (_, in_flight) = server.console.mark(), server.queue()

    wait_until(due)
    server.fire_schedule()
    (mail,) = mails_for(server, tag, 1)
    server.fire_schedule()  # nothing is due any more: the reminder left the index when it was sent
    server.queue_drained(in_flight)

    assert (mail["to"], mail["subject"]) == ([RECIPIENT], f"Reminder: Water the plants {tag}")
    server.console.wait_for(rf"Mail to {RECIPIENT}: 'Reminder: Water the plants {tag}'", since=mark)
    task = requests.get(f"{server.url}/users/reminded/tasks/{kept['task_id']}", timeout=TIMEOUT).json()
    assert task["remind_at"] is None
    assert len(server.mail(tag)) == 1  # the cancelled task's reminder was never even queued


def test_a_reminder_whose_first_delivery_fails_is_mailed_once_by_the_retry(faults: Server) -> None:
    tag = uuid.uuid4().hex[:8]
    due = soon(2)
    faults.task(f"Pay rent {tag}", due)
    mark, (_, in_flight) = faults.console.mark(), faults.queue()
    faults.set_faults("ses:unavailable:1.0:SendEmail")  # SES down: the worker's first delivery fails

    wait_until(due)
    faults.fire_schedule()
    faults.console.wait_for(r"SendRemindersFunction: 1 of \d+ messages failed", timeout=MAIL_SECONDS, since=mark)
    assert faults.mail(tag) == []
    faults.set_faults()  # SES is back
    # The failed message comes back after the queue's 60 s visibility timeout; the next run of the
    # schedule queues the still-pending reminder at once (fired here instead of waiting the minute).
    faults.fire_schedule()

    (mail,) = mails_for(faults, tag, 1)
    assert mail["subject"] == f"Reminder: Pay rent {tag}"
    faults.fire_schedule()
    faults.queue_drained(in_flight + 1)  # the failed message stays in flight 60 s, then finds nothing to send
    assert len(faults.mail(tag)) == 1


def test_a_hundred_reminders_due_in_the_same_minute_all_arrive_once(server: Server) -> None:
    tag = uuid.uuid4().hex[:8]
    due = soon(60)  # the API takes future reminders only, and making 100 tasks takes a few seconds
    titles = {f"Reminder: Task {number} {tag}" for number in range(100)}
    _, in_flight = server.queue()
    with ThreadPoolExecutor(4) as pool:  # as four clients would
        list(pool.map(lambda number: server.task(f"Task {number} {tag}", due), range(100)))

    server.fire_schedule(at=due)  # the run of that minute, without waiting for it
    mails = mails_for(server, tag, 100)
    server.fire_schedule(at=due)  # and once more: nothing left to send
    server.queue_drained(in_flight)

    assert sorted(mail["subject"] for mail in server.mail(tag)) == sorted(titles)  # each once, none twice
    assert len(mails) == 100
