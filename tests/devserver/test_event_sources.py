"""The triggers `make run` wires, read from template.yaml through SAM's providers."""

from __future__ import annotations

import pytest

from devkit.local_names import referenced_id
from devkit.stack import Stack
from devserver.event_sources import (
    AsyncConfig,
    Destination,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    _schedule_trigger,
    read_event_sources,
)

FAILURES = Destination("UploadFailuresQueue", "UploadFailuresQueue")


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack()


def test_the_upload_trigger_is_read_from_the_template(stack: Stack) -> None:
    sources = read_event_sources(stack)

    assert sources.s3 == [
        S3Trigger(
            function="ProcessUploadFunction",
            bucket_id="AttachmentsBucket",
            bucket="local-attachments-123456789012-us-east-1",  # the bucket the emulator creates
            events=("s3:ObjectCreated:*",),
            prefix="uploads/",
            invoke=AsyncConfig(max_retries=2, on_failure=FAILURES),
        )
    ]
    assert sources.s3[0].summary() == (
        "S3 AttachmentsBucket uploads/ ObjectCreated → ProcessUploadFunction "
        "(async, 2 retries, failures → UploadFailuresQueue)"
    )


def test_the_stream_trigger_is_read_from_the_template(stack: Stack) -> None:
    (stream,) = read_event_sources(stack).streams

    assert (stream.function, stream.table, stream.starting_position) == (
        "CleanupTaskFunction",
        "TasksTable",
        "TRIM_HORIZON",
    )
    assert stream.filters == ({"eventName": ["REMOVE"]},)
    assert (stream.batch_size, stream.max_retries) == (10, 3)
    assert stream.report_item_failures
    assert stream.bisect_on_error
    assert stream.on_failure == FAILURES
    assert stream.summary().startswith("TasksTable stream REMOVE → CleanupTaskFunction")


def test_everything_the_template_uses_is_emulated(stack: Stack) -> None:
    assert read_event_sources(stack).skipped == []


@pytest.mark.parametrize(
    ("value", "logical_id"),
    [
        ("AttachmentsBucket", "AttachmentsBucket"),  # SAM's resolved !Ref
        ({"Ref": "AttachmentsBucket"}, "AttachmentsBucket"),
        ({"Fn::GetAtt": ["TasksTable", "StreamArn"]}, "TasksTable"),
        ("arn:aws:lambda:us-east-1:123456789012:function:UploadFailuresQueue", "UploadFailuresQueue"),  # SAM's GetAtt
        ("arn:aws:sqs:us-east-1:123456789012:UploadFailuresQueue", "UploadFailuresQueue"),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/TasksTable/stream/2024-01-01T00:00:00.000", "TasksTable"),
    ],
)
def test_references_lead_to_the_resource(value: object, logical_id: str) -> None:
    assert referenced_id(value) == logical_id


def test_the_reminder_schedule_is_read_from_the_template(stack: Stack) -> None:
    (schedule,) = read_event_sources(stack).schedules

    assert schedule == ScheduleTrigger(
        function="QueueDueRemindersFunction",
        rule="QueueDueRemindersFunctionEveryMinute",
        expression="rate(1 minute)",
        period=60,
        invoke=AsyncConfig(max_retries=0),
    )
    assert (
        schedule.summary() == "Schedule rate(1 minute) → QueueDueRemindersFunction (async, 0 retries, failures dropped)"
    )


def test_the_reminder_queue_mapping_is_read_with_its_queues_settings(stack: Stack) -> None:
    (queue,) = read_event_sources(stack).queues

    assert queue == QueueTrigger(
        function="SendRemindersFunction",
        queue_id="ReminderQueue",
        queue="ReminderQueue",
        batch_size=10,
        batching_window=0.0,
        report_item_failures=True,
        max_concurrency=2,
        visibility_timeout=60,  # the queue's: when a failed message comes back
        max_receives=3,
        dead_letters="ReminderDeadLetterQueue",
    )


@pytest.mark.parametrize(
    ("expression", "period"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rates_are_emulated(expression: str, period: int) -> None:
    assert _schedule_trigger("F", "E", {"Schedule": expression}, AsyncConfig()).period == period


@pytest.mark.parametrize(
    "props",
    [
        {"Schedule": "cron(0 9 * * ? *)"},
        {"Schedule": "rate(1 minute)", "Enabled": False},
        {"Schedule": "rate(0.5 minutes)"},
    ],
)
def test_what_is_not_emulated_is_refused_with_a_reason(props: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"not emulated|disabled"):
        _schedule_trigger("F", "E", props, AsyncConfig())
