"""Every minute (an EventBridge schedule): queue the reminders that are due, one SQS message each.

The run looks for reminders due at the event's `time` (the minute EventBridge scheduled it for), so
a late or repeated run asks the same question. It is bounded by `MAX_REMINDERS_PER_RUN` and by its
own timeout: what it leaves is due still, and the next run queues it (common/reminder_schedule.py).
A failed run is not retried (the template sets no retries): the next run is a minute away and does
the same work.
"""

import os
from datetime import datetime
from typing import Any

from common import clock, reminder_schedule, triggers
from common.observability import MetricUnit, logger, metrics

STOP_WITH_MILLISECONDS_LEFT = 10_000  # time for the page in hand to be queued


@triggers.event_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = scheduled_time(event)
    run = reminder_schedule.queue_due(
        now,
        limit=int(os.environ["MAX_REMINDERS_PER_RUN"]),
        out_of_time=lambda: context.get_remaining_time_in_millis() < STOP_WITH_MILLISECONDS_LEFT,
    )
    metrics.add_metric(name="RemindersQueued", unit=MetricUnit.Count, value=run.queued)
    if run.not_queued:
        metrics.add_metric(name="RemindersNotQueued", unit=MetricUnit.Count, value=run.not_queued)
    logger.info("Due reminders queued", extra={"time": clock.iso(now), **run._asdict()})
    return run._asdict()


def scheduled_time(event: dict[str, Any]) -> int:
    """The event's `time` in epoch seconds (EventBridge's "2026-12-24T09:00:00Z"); now without one."""
    stamp = event.get("time")
    if not isinstance(stamp, str):
        return clock.now_epoch()
    return int(datetime.fromisoformat(stamp).timestamp())
