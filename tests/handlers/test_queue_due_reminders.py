"""The schedule's function, QueueDueRemindersFunction: the due reminders, found through the sparse
index (never a scan), go on the queue one message each; a run is bounded and the next run goes on."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from common import clock
from devkit.events import sample_event, schedule_event
from devkit.functions import Handler
from devkit.lambda_context import LambdaContext
from devkit.stack import Stack
from tests.conftest import Invoke
from tests.support.reminders import Reminders
from tests.support.tasks_api import TasksApi


def queued_tasks(reminders: Reminders) -> list[str]:
    return sorted(json.loads(body)["task_id"] for body in reminders.queued())


def test_due_reminders_are_queued_one_message_each_and_the_others_are_not(
    reminders: Reminders, tasks_api: TasksApi, dynamodb_calls: list[str]
) -> None:
    due = [reminders.task("u1", in_seconds=60)["task_id"], reminders.task("u2", in_seconds=120)["task_id"]]
    later = reminders.task("u1", in_seconds=3600)
    tasks_api.create("u1", {"title": "no reminder"})
    dynamodb_calls.clear()

    run = reminders.run_schedule(clock.now_epoch() + 120)

    assert run == {"queued": 2, "not_queued": 0, "complete": True}
    bodies = reminders.queued()
    assert sorted(json.loads(body)["task_id"] for body in bodies) == sorted(due)
    assert json.loads(bodies[0]).keys() == {"user_id", "task_id", "remind_at"}
    assert later["task_id"] not in "".join(bodies)
    assert set(dynamodb_calls) == {"Query"}  # one per shard: an index query, never a scan
    assert len(dynamodb_calls) == 10


def test_a_reminder_deleted_finished_or_cleared_leaves_the_index(reminders: Reminders, tasks_api: TasksApi) -> None:
    deleted, done, cleared, kept = (reminders.task(in_seconds=60)["task_id"] for _ in range(4))
    tasks_api.delete("u1", deleted)
    tasks_api.update("u1", done, {"status": "done", "version": 1})
    tasks_api.update("u1", cleared, {"remind_at": None, "version": 1})

    reminders.run_schedule(clock.now_epoch() + 60)

    assert queued_tasks(reminders) == [kept]


def test_a_run_is_bounded_and_the_next_runs_take_what_it_left(reminders: Reminders) -> None:
    task_ids = sorted(reminders.task(f"u{n}", in_seconds=60)["task_id"] for n in range(14))
    at = clock.now_epoch() + 60
    limit = {"MAX_REMINDERS_PER_RUN": "10"}  # one per shard
    sent: list[str] = []
    runs = []

    for _ in range(15):  # until the index is empty: at least one reminder a run
        run = reminders.run_schedule(at, env=limit)
        runs.append(run)
        assert run["queued"] <= 10
        bodies = reminders.queued()
        if not bodies:
            break
        assert reminders.deliver(*bodies) == {"batchItemFailures": []}
        sent += [json.loads(body)["task_id"] for body in bodies]

    assert runs[0]["complete"] is False  # 14 reminders in 10 shards: some shard had two, and gave one
    assert len(runs) > 2  # at least two runs with reminders, and one that found none
    assert sorted(sent) == task_ids  # each once
    assert [mail.subject for mail in reminders.mail()] == ["Reminder: Renew passport"] * 14


def test_each_minutes_run_starts_with_the_next_shard(reminders: Reminders) -> None:
    """So a run that stops early does not always leave out the same shards."""
    from common import dynamo  # noqa: PLC0415 - imported late, once the endpoint is set

    shards: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        shards.append(params["ExpressionAttributeValues"][":shard"]["S"])

    minute = clock.now_epoch() // 600 * 600 + 600  # a minute whose number ends in 0
    dynamo.client.meta.events.register("provide-client-params.dynamodb.Query", record, unique_id="shards")
    try:
        firsts = []
        for offset in (0, 60, 9 * 60 + 59, 10 * 60):
            shards.clear()
            reminders.run_schedule(minute + offset)
            firsts.append(shards[0])
    finally:
        dynamo.client.meta.events.unregister("provide-client-params.dynamodb.Query", unique_id="shards")

    assert firsts == ["0", "1", "9", "0"]
    assert sorted(shards) == [str(shard) for shard in range(10)]  # and a run still reads every shard


def test_a_run_with_too_little_time_left_queues_nothing_and_says_so(
    reminders: Reminders, stack: Stack, load_function: Callable[[str], Handler], monkeypatch: pytest.MonkeyPatch
) -> None:
    reminders.task(in_seconds=60)
    for key, value in stack.function("QueueDueRemindersFunction").environment.items():
        monkeypatch.setenv(key, value)
    handler = load_function("QueueDueRemindersFunction")

    # 9 s left: under the 10 s it keeps for queueing the page in hand.
    run = handler(schedule_event(clock.iso(clock.now_epoch() + 60)), LambdaContext("QueueDueRemindersFunction", 256, 9))

    assert run == {"queued": 0, "not_queued": 0, "complete": False}
    assert reminders.queued() == []


def test_the_sample_event_reaches_the_handler(invoke_function: Invoke, reminders: Reminders) -> None:
    assert invoke_function("QueueDueRemindersFunction", sample_event("queue_due_reminders")) == {
        "queued": 0,
        "not_queued": 0,
        "complete": True,
    }
