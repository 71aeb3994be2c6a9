"""The template's S3, DynamoDB stream, schedule and SQS triggers, wired to the emulator and the warm
runtime for `make run`.

`start_triggers` configures the buckets' notifications, positions a reader on each stream, starts
the schedules and the pollers, and returns the console lines that say what was wired (and what was
not). `close()` stops them: call it after the runtime has closed, so a delivery in flight fails at
once instead of being waited for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from devkit.local_aws import dynamodb_streams_client
from devkit.stack import Stack
from devserver.async_invoke import AsyncInvoker, FunctionInvoker
from devserver.event_sources import read_event_sources
from devserver.notifications import NotificationPoller, configure_notifications
from devserver.queue_poller import QueuePoller
from devserver.schedules import CONTROL_PATH as SCHEDULES_PATH
from devserver.schedules import Schedules
from devserver.stream_poller import StreamPoller

if TYPE_CHECKING:
    from samcli.commands.local.lib.local_lambda import LocalLambdaRunner

    from devserver.emulator import LocalEmulator

JOIN_SECONDS = 5.0


@dataclass
class Triggers:
    """The running pollers; `lines` describe them for the console."""

    lines: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _pollers: list[NotificationPoller | StreamPoller | QueuePoller] = field(default_factory=list)
    schedules: Schedules | None = None

    def stop(self) -> None:
        """Deliver nothing more: pollers end their current wait (a long poll within a second)."""
        self._stop.set()

    def close(self) -> None:
        """Stop every poller and wait for it; call after the runtime closed, so no delivery is waited for."""
        self._stop.set()
        if self.schedules is not None:
            self.schedules.join(JOIN_SECONDS)
        for poller in self._pollers:
            poller.join(JOIN_SECONDS)


def start_triggers(stack: Stack, local: LocalEmulator, runner: LocalLambdaRunner, concurrency: int) -> Triggers:
    """Wire every S3, DynamoDB stream, schedule and SQS event of the template, run by `runner` (the
    gateway's: one resolved config per function); `concurrency` deliveries at once per function, at most."""
    sources = read_event_sources(stack)
    triggers = Triggers()
    if not (sources.s3 or sources.streams or sources.schedules or sources.queues):
        triggers.lines = [f"Not emulated: {reason}" for reason in sources.skipped]
        return triggers
    invoke = FunctionInvoker(runner)
    emulator = local.emulator
    sqs = emulator.sqs()

    def send(queue_name: str, body: str) -> None:
        sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=queue_name)["QueueUrl"], MessageBody=body)

    queues = configure_notifications(emulator.s3(), sqs, sources.s3)
    for function, queue_url in queues.items():
        config = next(trigger.invoke for trigger in sources.s3 if trigger.function == function)
        invoker = AsyncInvoker(function, config, invoke, send, triggers._stop)
        triggers._pollers.append(NotificationPoller(sqs, queue_url, invoker, triggers._stop, concurrency))
    streams = dynamodb_streams_client(emulator.endpoint)
    for trigger in sources.streams:
        stream_poller = StreamPoller(
            trigger,
            streams=streams,
            invoke=invoke,
            send=send,
            writes=local.writes,
            stop=triggers._stop,
        )
        try:
            stream_poller.open()
        except (BotoCoreError, ClientError, ValueError) as exc:  # e.g. a table without a stream
            sources.skipped.append(f"{trigger.table_id} stream → {trigger.function}: {exc}")
            continue
        triggers._pollers.append(stream_poller)
    for queue_trigger in sources.queues:
        triggers._pollers.append(
            QueuePoller(queue_trigger, sqs=sqs, invoke=invoke, stop=triggers._stop, concurrency=concurrency)
        )
    triggers.schedules = Schedules(triggers._stop)
    for schedule in sources.schedules:
        triggers.schedules.add(schedule, AsyncInvoker(schedule.function, schedule.invoke, invoke, send, triggers._stop))
    local.schedule_control.schedules = triggers.schedules
    for poller in triggers._pollers:
        poller.start()
    triggers.schedules.start()
    triggers.lines = [s3_trigger.summary() for s3_trigger in sources.s3]
    triggers.lines += [poller.trigger.summary() for poller in triggers._pollers if isinstance(poller, StreamPoller)]
    triggers.lines += [
        f"{schedule.summary()}; now: curl -X POST {emulator.endpoint}{SCHEDULES_PATH}/{schedule.function}"
        for schedule in sources.schedules
    ]
    triggers.lines += [queue_trigger.summary() for queue_trigger in sources.queues]
    triggers.lines += [f"Not emulated: {reason}" for reason in sources.skipped]
    return triggers
