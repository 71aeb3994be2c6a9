"""SQS (the reminder queue), in batches: send each reminder's e-mail once, report the ones that failed.

Each message is one reminder (common/reminder_queue.py); common/reminder_delivery.py sends it at
most once however often it arrives. A message that fails (SES unavailable, say) is reported alone
(ReportBatchItemFailures): SQS delivers only that one again, after its visibility timeout, and
after a few failed receives moves it to the dead-letter queue, whose alarm says so.
"""

import os
from typing import Any

from common import reminder_delivery, reminder_queue, triggers
from common.observability import MetricUnit, metrics


@triggers.event_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    return triggers.batch_item_failures(
        event.get("Records") or [], send_reminder, identifier=lambda record: record["messageId"]
    )


def send_reminder(record: dict[str, Any]) -> None:
    reminder = reminder_queue.parse(record["body"])  # a body this app never sends fails, to the DLQ
    outcome = reminder_delivery.deliver(reminder, claim_seconds=int(os.environ["REMINDER_CLAIM_SECONDS"]))
    metrics.add_metric(name=f"Reminders{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
