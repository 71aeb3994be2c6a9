"""Every function has a sample event, events/<its folder>.json (for `make invoke` and the Docker tests),
and an HTTP function's sample is a request for its own route."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import pytest

from devkit.events import EVENTS
from tests.support.template import functions


def sample(function: dict[str, Any]) -> dict[str, Any]:
    folder = PurePosixPath(function["Properties"]["CodeUri"]).name
    event: dict[str, Any] = json.loads((EVENTS / f"{folder}.json").read_text())
    return event


@pytest.mark.parametrize("name", sorted(functions()))
def test_every_function_has_a_sample_event_for_its_own_trigger(name: str) -> None:
    function = functions()[name]
    event = sample(function)

    triggers = function["Properties"]["Events"].values()
    routes = {
        f"{t['Properties']['Method'].upper()} {t['Properties']['Path']}" for t in triggers if t["Type"] == "HttpApi"
    }
    if routes:
        assert event["routeKey"] in routes
        return
    (trigger,) = triggers
    if trigger["Type"] == "Schedule":
        assert (event["source"], event["detail-type"]) == ("aws.events", "Scheduled Event")
    else:
        (source,) = {record["eventSource"] for record in event["Records"]}
        assert source == {"S3": "aws:s3", "DynamoDB": "aws:dynamodb", "SQS": "aws:sqs"}[trigger["Type"]]
