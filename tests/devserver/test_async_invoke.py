"""Lambda's asynchronous invocation: retries, then the on-failure destination's record."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from devserver import async_invoke
from devserver.async_invoke import AsyncInvoker, Result
from devserver.event_sources import AsyncConfig, Destination

EVENT = {"Records": [{"eventName": "ObjectCreated:Post", "s3": {"object": {"key": "uploads%2Fa"}}}]}
FAILURES = Destination("UploadFailuresQueue", "UploadFailuresQueue")


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(async_invoke, "RETRY_PAUSE_SECONDS", 0.0)


def deliver(results: list[Result], config: AsyncConfig) -> tuple[int, list[tuple[str, dict[str, Any]]], bool]:
    """(invocations, messages sent, deliver's answer)."""
    calls: list[Mapping[str, Any]] = []
    sent: list[tuple[str, dict[str, Any]]] = []

    def invoke(function: str, event: Mapping[str, Any]) -> Result:
        calls.append(event)
        return results[min(len(calls), len(results)) - 1]

    invoker = AsyncInvoker(
        "ProcessUploadFunction", config, invoke, lambda q, body: sent.append((q, json.loads(body))), threading.Event()
    )
    succeeded = invoker.deliver(EVENT)
    return len(calls), sent, succeeded


def test_a_failing_event_is_retried_then_sent_to_the_destination_in_lambdas_shape() -> None:
    failure = Result({"errorType": "ClientError", "errorMessage": "S3 said no"}, "Unhandled")

    calls, sent, succeeded = deliver([failure], AsyncConfig(max_retries=2, on_failure=FAILURES))

    assert (calls, succeeded) == (3, False)
    ((queue, record),) = sent
    assert queue == "UploadFailuresQueue"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == EVENT
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"] == failure.payload
    assert set(record) == {
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    }


def test_a_retry_that_succeeds_sends_nothing() -> None:
    calls, sent, succeeded = deliver(
        [Result({"errorMessage": "once"}, "Unhandled"), Result(None)], AsyncConfig(on_failure=FAILURES)
    )

    assert (calls, sent, succeeded) == (2, [], True)


def test_no_retries_and_no_destination_drops_the_event() -> None:
    calls, sent, succeeded = deliver([Result({"errorMessage": "x"}, "Unhandled")], AsyncConfig(max_retries=0))

    assert (calls, sent, succeeded) == (1, [], False)


def test_an_on_success_destination_gets_the_result() -> None:
    calls, sent, _ = deliver([Result({"ok": True})], AsyncConfig(on_success=Destination("Done", "Done")))

    ((queue, record),) = sent
    assert (calls, queue, record["requestContext"]["condition"], record["responsePayload"]) == (
        1,
        "Done",
        "Success",
        {"ok": True},
    )
