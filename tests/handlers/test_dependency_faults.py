"""A throttled or unreachable DynamoDB: the layer retries a bounded number of times, inside the
function's Timeout, then answers 503 with Retry-After (faults injected by devkit/faults.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devkit.emulator import Emulator
from devkit.events import redirect_event, shorten_event
from devkit.faults import CONTROL_PATH
from tests.conftest import Invoke
from tests.support.template import template

ATTEMPTS = 3


@pytest.fixture
def throttled(aws: Emulator) -> Iterator[Emulator]:
    requests.put(f"{aws.endpoint}{CONTROL_PATH}", json=["dynamodb:throttle:1.0"], timeout=10).raise_for_status()
    yield aws
    requests.delete(f"{aws.endpoint}{CONTROL_PATH}", timeout=10).raise_for_status()


def injected(aws: Emulator) -> dict[str, int]:
    state: dict[str, int] = requests.get(f"{aws.endpoint}{CONTROL_PATH}", timeout=10).json()["injected"]
    return state


def test_the_dynamodb_client_tries_three_times_in_all() -> None:
    from common import dynamo  # noqa: PLC0415 - imported late, once the endpoint is set

    config: Any = dynamo.client.meta.config  # botocore-stubs leave out the attributes a Config holds
    assert config.retries == {"mode": "standard", "total_max_attempts": ATTEMPTS}


@pytest.mark.parametrize("service", ["dynamodb", "sqs", "sesv2", "cognito-idp"])
def test_waiting_out_every_read_timeout_still_fits_the_functions_timeout(service: str) -> None:
    """The service accepts connections but never answers: each attempt waits its read timeout, and
    standard mode sleeps up to 1 s, then 2 s, between attempts (a slow *connect* on top of each is
    not covered: see the note in common/aws_clients.py). SendRemindersFunction calls DynamoDB,
    Cognito and SES with the global Timeout: one stuck call must fail its message, not the batch."""
    from common import aws_clients, dynamo  # noqa: PLC0415

    client = dynamo.client if service == "dynamodb" else aws_clients.client(service)
    config: Any = client.meta.config
    attempts = config.retries["total_max_attempts"]
    worst = attempts * config.read_timeout + sum(2**i for i in range(attempts - 1))

    assert worst < template()["Globals"]["Function"]["Timeout"]


def test_a_throttled_redirect_is_a_503_with_retry_after_and_no_location(
    invoke_function: Invoke, throttled: Emulator
) -> None:
    response = invoke_function("RedirectLinkFunction", redirect_event("abcdefg"))

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert "Location" not in response["headers"]


def test_a_throttled_create_is_a_503_after_exactly_three_attempts(invoke_function: Invoke, throttled: Emulator) -> None:
    response = invoke_function("ShortenLinkFunction", shorten_event({"url": "https://example.com/"}))

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert injected(throttled) == {"dynamodb:throttle": ATTEMPTS}
