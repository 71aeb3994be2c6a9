"""What the template must hold for reminders: the sparse index, the schedule, the queue with its
dead letters and alarm, the worker's event source, and each mode's address settings."""

from __future__ import annotations

from typing import Any

from common import reminder_index, task_model
from devkit.stack import Stack
from tests.support.template import functions, resources


def test_the_tasks_table_has_the_sparse_index_the_schedule_queries() -> None:
    table = resources("AWS::DynamoDB::Table")["TasksTable"]["Properties"]
    (index,) = table["GlobalSecondaryIndexes"]

    assert index == {
        "IndexName": reminder_index.INDEX_NAME,
        "KeySchema": [
            {"AttributeName": "reminder_shard", "KeyType": "HASH"},
            {"AttributeName": "remind_at", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},  # the keys are the whole message
    }
    types = {definition["AttributeName"]: definition["AttributeType"] for definition in table["AttributeDefinitions"]}
    assert (types["reminder_shard"], types["remind_at"]) == ("S", "N")
    assert set(task_model.REMINDER_ATTRIBUTES) >= {"reminder_shard", "remind_at"}


def test_the_schedule_runs_every_minute_and_a_failed_run_waits_for_the_next() -> None:
    function = functions()["QueueDueRemindersFunction"]["Properties"]
    (event,) = function["Events"].values()

    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == "rate(1 minute)"
    assert function["EventInvokeConfig"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}
    assert function["Timeout"] < 60  # done before the next run starts
    assert int(function["Environment"]["Variables"]["MAX_REMINDERS_PER_RUN"]) >= 1000


def test_the_worker_gets_batches_and_reports_failed_messages_alone() -> None:
    (event,) = functions()["SendRemindersFunction"]["Properties"]["Events"].values()

    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["ReminderQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 < event["Properties"]["BatchSize"] <= 10


def test_a_claim_lasts_as_long_as_a_message_is_hidden_and_both_outlast_the_worker(stack: Stack) -> None:
    queue: dict[str, Any] = resources("AWS::SQS::Queue")["ReminderQueue"]["Properties"]
    worker = stack.function("SendRemindersFunction")

    assert int(worker.environment["REMINDER_CLAIM_SECONDS"]) == queue["VisibilityTimeout"]
    assert queue["VisibilityTimeout"] >= 6 * worker.timeout  # AWS's advice for SQS event sources


def test_messages_that_keep_failing_go_to_an_alarmed_dead_letter_queue() -> None:
    queues = resources("AWS::SQS::Queue")
    alarm = resources("AWS::CloudWatch::Alarm")["ReminderDeadLetterAlarm"]["Properties"]

    assert queues["ReminderQueue"]["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ReminderDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 3,
    }
    for queue in ("ReminderQueue", "ReminderDeadLetterQueue"):
        assert queues[queue]["Properties"]["SqsManagedSseEnabled"] is True
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReminderDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "ApproximateNumberOfMessagesVisible",
        0,
        "GreaterThanThreshold",
    )


def test_mail_ses_refuses_for_good_is_alarmed_on_the_workers_own_metric() -> None:
    """Rejected mail is dropped, never dead-lettered (a wrong ReminderSender rejects every one)."""
    alarm = resources("AWS::CloudWatch::Alarm")["RemindersRejectedAlarm"]["Properties"]
    worker = functions()["SendRemindersFunction"]["Properties"]["Environment"]["Variables"]

    # The metric as Powertools emits it: the function's namespace, its service as the one dimension.
    assert alarm["Namespace"] == worker["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": worker["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["MetricName"], alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "RemindersRejected",
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    assert alarm["TreatMissingData"] == "notBreaching"


def test_each_auth_mode_gives_the_worker_its_own_way_to_the_address(stack: Stack, cognito_template: Stack) -> None:
    without_accounts = stack.function("SendRemindersFunction").environment
    with_accounts = cognito_template.function("SendRemindersFunction").environment

    assert without_accounts["AUTH_MODE"] == "none"
    assert without_accounts["REMINDER_RECIPIENT"] == "me@example.com"
    assert without_accounts["USER_POOL_ID"] == ""  # CloudFormation leaves it out (AWS::NoValue); SAM passes ""
    assert with_accounts["AUTH_MODE"] == "cognito"
    assert with_accounts["USER_POOL_ID"] == "UserPool"  # its id; locally, the emulator's (devserver)
    assert without_accounts["REMINDER_SENDER"] == with_accounts["REMINDER_SENDER"] == "reminders@example.com"
