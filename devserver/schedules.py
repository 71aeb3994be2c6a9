"""The template's schedules (EventBridge rules with a rate), fired on their rate and on demand.

One thread per schedule waits the rule's period, then hands EventBridge's "Scheduled Event" to
the function's `AsyncInvoker`: EventBridge invokes a function asynchronously, so the function's
EventInvokeConfig retries apply. As with a new rule in AWS, the first run comes one period after
start-up.

Waiting a minute is too slow for trying things and for tests, so the emulator also answers (the
local stack's control routes, next to devkit/faults.py's):

- `POST /devserver-api/schedules/<Function>`: fire that function's schedule now; the answer comes
  once the invocation is done. `?time=2030-01-01T09:00:00Z` puts that time in the event (the
  reminder schedule asks what is due at the event's time: what would a run at 09:00 send?).
- `GET /devserver-api/schedules`: the schedules, their periods and when each last ran.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from devkit.local_aws import REGION
from devkit.local_names import ACCOUNT_ID
from devkit.wsgi_body import StartResponse, WsgiApp, json_response
from devserver.async_invoke import AsyncInvoker
from devserver.event_sources import ScheduleTrigger

LOG = logging.getLogger(__name__)

CONTROL_PATH = "/devserver-api/schedules"


def scheduled_event(trigger: ScheduleTrigger, moment: datetime) -> dict[str, Any]:
    """What EventBridge sends a function for a scheduled rule at `moment` (or the rule's `Input`)."""
    if trigger.event_input is not None:
        return dict(trigger.event_input) if isinstance(trigger.event_input, dict) else trigger.event_input
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{trigger.rule}"],
        "detail": {},
    }


@dataclass
class _Schedule:
    trigger: ScheduleTrigger
    invoker: AsyncInvoker
    last_run: str | None = None


class Schedules:
    """The running schedules of the stack, by function."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        self._schedules: dict[str, _Schedule] = {}
        self._threads: list[threading.Thread] = []

    def add(self, trigger: ScheduleTrigger, invoker: AsyncInvoker) -> None:
        self._schedules[trigger.function] = _Schedule(trigger, invoker)

    def start(self) -> None:
        """Fire each schedule on its rate, until the stop event is set."""
        for schedule in self._schedules.values():
            thread = threading.Thread(
                target=self._run, args=(schedule,), name=f"schedule-{schedule.trigger.function}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def join(self, timeout: float) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def fire(self, function: str, moment: datetime | None = None) -> bool:
        """Run `function`'s schedule now (its event's time: `moment`, else now); True if it succeeded.
        KeyError if the function has no schedule."""
        schedule = self._schedules[function]
        moment = moment or datetime.now(UTC)
        schedule.last_run = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return schedule.invoker.deliver(scheduled_event(schedule.trigger, moment))

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "function": name,
                "schedule": schedule.trigger.expression,
                "period_seconds": schedule.trigger.period,
                "last_run": schedule.last_run,
            }
            for name, schedule in self._schedules.items()
        ]

    def _run(self, schedule: _Schedule) -> None:
        next_run = time.monotonic() + schedule.trigger.period
        while not self._stop.wait(max(0.0, next_run - time.monotonic())):
            next_run += schedule.trigger.period
            try:
                self.fire(schedule.trigger.function)
            except Exception:  # a bug here must not end the schedule: say so, and go on
                LOG.exception("%s: firing its schedule failed", schedule.trigger.function)


class ScheduleControl:
    """WSGI middleware for the emulator: the control routes of the stack's schedules (`schedules` is
    set once the triggers are wired; until then there are none)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.schedules: Schedules | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != CONTROL_PATH and not path.startswith(CONTROL_PATH + "/"):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        function = path[len(CONTROL_PATH) :].strip("/")
        schedules = self.schedules or Schedules(threading.Event())
        if method == "GET" and not function:
            return json_response(start_response, "200 OK", schedules.describe())
        if method != "POST" or not function:
            return json_response(
                start_response, "405 Method Not Allowed", {"error": "GET the list, or POST to /<Function>"}
            )
        try:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            moment = _moment(query["time"][0]) if "time" in query else None
        except ValueError:
            return json_response(start_response, "400 Bad Request", {"error": "time must be like 2030-01-01T09:00:00Z"})
        try:
            succeeded = schedules.fire(function, moment)
        except KeyError:
            return json_response(start_response, "404 Not Found", {"error": f"{function} has no schedule"})
        return json_response(start_response, "200 OK", {"function": function, "succeeded": succeeded})


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
