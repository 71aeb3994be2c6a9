"""The triggers `make run` wires, read from template.yaml through SAM's providers."""

from __future__ import annotations

import pytest

from devkit.local_names import referenced_id
from devkit.stack import Stack
from devserver.event_sources import AsyncConfig, Destination, S3Trigger, read_event_sources

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
