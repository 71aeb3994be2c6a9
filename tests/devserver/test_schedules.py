"""The template's schedules under `make run`: EventBridge's scheduled event, on demand through the
emulator's control route (the function is a stand-in that records what it got)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.test import Client

from devserver.async_invoke import AsyncInvoker, Result
from devserver.event_sources import AsyncConfig, ScheduleTrigger
from devserver.schedules import ScheduleControl, Schedules, scheduled_event

TRIGGER = ScheduleTrigger("TickFunction", "TickFunctionEveryMinute", "rate(1 minute)", 60)
SUCCEEDED = Result(None)


def not_found(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("404 Not Found", [])
    return [b"moto"]


def control(events: list[Mapping[str, Any]], answer: Result = SUCCEEDED) -> Client:
    stop = threading.Event()

    def invoke(function: str, event: Mapping[str, Any]) -> Result:
        events.append(event)
        return answer

    schedules = Schedules(stop)
    schedules.add(TRIGGER, AsyncInvoker("TickFunction", AsyncConfig(max_retries=0), invoke, lambda q, b: None, stop))
    app = ScheduleControl(not_found)
    app.schedules = schedules
    return Client(app)


def test_the_event_is_eventbridges_scheduled_event() -> None:
    event = scheduled_event(TRIGGER, datetime(2026, 12, 24, 9, 0, 0, 700, tzinfo=UTC))

    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-12-24T09:00:00Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/TickFunctionEveryMinute"]
    assert event["detail"] == {}


def test_a_rules_input_is_the_event() -> None:
    trigger = ScheduleTrigger("F", "FE", "rate(1 minute)", 60, event_input={"job": "tidy"})

    assert scheduled_event(trigger, datetime.now(UTC)) == {"job": "tidy"}


def test_a_schedule_fires_on_demand_at_the_time_asked_for_and_says_how_it_went() -> None:
    events: list[Mapping[str, Any]] = []
    client = control(events)

    fired = client.post("/devserver-api/schedules/TickFunction?time=2030-01-01T09:00:00Z")

    assert fired.status_code == 200
    assert fired.json == {"function": "TickFunction", "succeeded": True}
    assert [event["time"] for event in events] == ["2030-01-01T09:00:00Z"]
    listed = client.get("/devserver-api/schedules").json
    assert listed == [
        {
            "function": "TickFunction",
            "schedule": "rate(1 minute)",
            "period_seconds": 60,
            "last_run": "2030-01-01T09:00:00Z",
        }
    ]


def test_a_failed_run_is_reported_and_not_retried_without_retries() -> None:
    events: list[Mapping[str, Any]] = []
    client = control(events, Result({"errorType": "Boom"}, "Unhandled"))

    assert client.post("/devserver-api/schedules/TickFunction").json == {"function": "TickFunction", "succeeded": False}
    assert len(events) == 1


def test_mistakes_get_their_4xx_and_other_paths_go_to_the_emulator() -> None:
    client = control([])

    assert client.post("/devserver-api/schedules/NoSuchFunction").status_code == 404
    assert client.post("/devserver-api/schedules/TickFunction?time=tomorrow").status_code == 400
    assert client.delete("/devserver-api/schedules/TickFunction").status_code == 405
    assert client.get("/devserver-api/schedulesX").get_data() == b"moto"


def test_a_run_that_raises_is_logged_with_its_cause(caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()

    def invoke(function: str, event: Mapping[str, Any]) -> Result:
        stop.set()  # one run is enough
        raise RuntimeError("the cause")

    schedules = Schedules(stop)
    trigger = ScheduleTrigger("TickFunction", "TickFunctionNow", "rate(0 minutes)", 0)
    schedules.add(trigger, AsyncInvoker("TickFunction", AsyncConfig(max_retries=0), invoke, lambda q, b: None, stop))

    schedules.start()
    schedules.join(timeout=10)

    [record] = [record for record in caplog.records if "firing its schedule failed" in record.getMessage()]
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the cause"
