"""Shared fixtures: one emulator per session, tables created from template.yaml, and `invoke`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devserver.emulator import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, Emulator
from devserver.stack import Stack
from tests.support.functions import Handler, invoke, load_handler

# Before anything creates a boto3 client: never reach for real credentials or a real region.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "SAM_CLI_TELEMETRY": "0",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)

type Invoke = Callable[[str, dict[str, Any]], Any]


@pytest.fixture(scope="session")
def stack() -> Stack:
    return Stack()


@pytest.fixture(scope="session")
def emulator(stack: Stack) -> Iterator[Emulator]:
    emulator = Emulator().start()
    os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint
    yield emulator
    emulator.stop()


@pytest.fixture
def aws(stack: Stack, emulator: Emulator) -> Emulator:
    """The emulator with the template's tables and buckets, empty for each test."""
    emulator.reset()
    emulator.create_resources(stack)
    return emulator


@pytest.fixture(scope="session")
def _handlers() -> dict[str, Handler]:
    return {}


@pytest.fixture
def invoke_function(stack: Stack, aws: Emulator, _handlers: dict[str, Handler]) -> Invoke:
    """`invoke_function("RedirectLinkFunction", event)` -> the Lambda's result, on the emulator."""

    def run(name: str, event: dict[str, Any]) -> Any:
        function = stack.function(name)
        if name not in _handlers:
            _handlers[name] = load_handler(function, {"AWS_ENDPOINT_URL": aws.endpoint})
        else:
            os.environ.update(function.environment)
        return invoke(function, _handlers[name], event)

    return run
