"""Reminders on the emulator for handler tests: tasks with one, the queue's messages, the mail sent.

The layer (`common`) is imported inside the methods: tests/conftest.py imports this module before it
points boto3 at the emulator, and the layer creates its DynamoDB client when imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devkit.emulator import Emulator
from devkit.events import schedule_event, sqs_event
from devkit.sent_mail import Mail, sent_mail
from tests.support.tasks_api import TasksApi

QUEUE = "ReminderQueue"

type Invoke = Callable[..., Any]  # tests/conftest.py's invoke_function


@dataclass
class Reminders:
    aws: Emulator
    invoke_function: Invoke
    tasks_api: TasksApi

    def task(
        self, user_id: str = "u1", *, title: str = "Renew passport", in_seconds: int = 60, **fields: Any
    ) -> dict[str, Any]:
        """A new task whose reminder is due `in_seconds` from now (the API takes future times only)."""
        from common import clock  # noqa: PLC0415 - see the module's docstring

        remind_at = clock.iso(clock.now_epoch() + in_seconds)
        reply = self.tasks_api.create(user_id, {"title": title, "remind_at": remind_at, **fields})
        assert reply.status == 201, reply.body
        task: dict[str, Any] = reply.body
        return task

    def run_schedule(self, at: int, env: dict[str, str] | None = None) -> dict[str, Any]:
        """QueueDueRemindersFunction, as EventBridge runs it at epoch second `at`."""
        from common import clock  # noqa: PLC0415

        result: dict[str, Any] = self.invoke_function("QueueDueRemindersFunction", schedule_event(clock.iso(at)), env)
        return result

    def queued(self) -> list[str]:
        """The bodies of every message on the reminder queue, taken off it."""
        sqs = self.aws.sqs()
        url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        bodies: list[str] = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            bodies += [message["Body"] for message in messages]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
            )
        return bodies

    def deliver(self, *bodies: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """SendRemindersFunction with one SQS batch of these message bodies (ids msg-1, msg-2, ...)."""
        result: dict[str, Any] = self.invoke_function("SendRemindersFunction", sqs_event(*bodies), env)
        return result

    def item(self, user_id: str, task_id: str) -> dict[str, Any] | None:
        """The task's item as stored (reminder attributes included), or None."""
        from common import task_model  # noqa: PLC0415

        response = self.aws.dynamodb().get_item(TableName="TasksTable", Key=task_model.key(user_id, task_id))
        return response.get("Item")

    @staticmethod
    def mail() -> list[Mail]:
        return sent_mail()
