"""Shared fixtures: one emulator per session, tables created from template.yaml, and `invoke`."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.emulator import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, Emulator
from devkit.functions import Handler, invoke, load_handler
from devkit.stack import Stack
from tests.support.reminders import Reminders
from tests.support.tasks_api import TasksApi
from tests.support.uploads import Uploads

# Before anything creates a boto3 client: never reach for real credentials or a real region.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "SAM_CLI_TELEMETRY": "0",
        # In Lambda each function has its own process and its own Powertools objects; here the
        # layer is imported once for all of them, by whichever test comes first.
        "POWERTOOLS_METRICS_NAMESPACE": "tests",
        "POWERTOOLS_SERVICE_NAME": "tests",
    }
)
# Fixed before any import of the layer (whose DynamoDB client is created at import time), so
# no client in this session can ever point at real AWS.
with socket.socket() as _probe:
    _probe.bind(("127.0.0.1", 0))
    EMULATOR_PORT = _probe.getsockname()[1]
os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{EMULATOR_PORT}"
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)

type Invoke = Callable[..., Any]


@pytest.fixture(scope="session")
def stack() -> Stack:
    return Stack()


@pytest.fixture(scope="session")
def cognito_template() -> Stack:
    """The template as deployed by default (`AuthMode=cognito`): a user pool and a JWT authorizer."""
    return Stack(parameters={"AuthMode": "cognito"})


@pytest.fixture(scope="session")
def emulator(stack: Stack) -> Iterator[Emulator]:
    emulator = Emulator(port=EMULATOR_PORT).start()
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
def load_function(stack: Stack, _handlers: dict[str, Handler]) -> Callable[[str], Handler]:
    """`load_function("RedirectLinkFunction")` -> its handler, imported once per session with the
    function's environment from the template (as Lambda's init phase does)."""

    def load(name: str) -> Handler:
        if name not in _handlers:
            function = stack.function(name)
            with pytest.MonkeyPatch.context() as patch:
                for key, value in function.environment.items():
                    patch.setenv(key, value)
                _handlers[name] = load_handler(function)
        return _handlers[name]

    return load


@pytest.fixture
def invoke_function(stack: Stack, aws: Emulator, load_function: Callable[[str], Handler]) -> Invoke:
    """`invoke_function("RedirectLinkFunction", event)` -> the Lambda's result, on the emulator.

    Functions stay loaded for the session (warm, as in Lambda); each call sets that function's
    environment from the template first, plus `env` overrides for this call only.
    """

    def run(name: str, event: dict[str, Any], env: dict[str, str] | None = None) -> Any:
        function = stack.function(name)
        handler = load_function(name)
        with pytest.MonkeyPatch.context() as patch:
            for key, value in {**function.environment, **(env or {})}.items():
                patch.setenv(key, value)
            return invoke(function, handler, event)

    return run


@pytest.fixture
def dynamodb_calls(aws: Emulator) -> Iterator[list[str]]:
    """The DynamoDB operations the layer's client makes during a test, counted by botocore's hooks."""
    from common import dynamo  # noqa: PLC0415 - imported late, once the endpoint is set

    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    clients = (dynamo.client, dynamo.no_retry_client())
    for client in clients:
        client.meta.events.register("before-call.dynamodb", record, unique_id="count-calls")
    yield calls
    for client in clients:
        client.meta.events.unregister("before-call.dynamodb", unique_id="count-calls")


@pytest.fixture
def tasks_api(invoke_function: Invoke) -> TasksApi:
    """The Tasks API with the template's default local settings (AuthMode=none)."""
    return TasksApi(invoke_function)


@pytest.fixture
def uploads(stack: Stack, aws: Emulator, invoke_function: Invoke) -> Uploads:
    """The attachment flow (request, upload, S3 event) on the template's bucket in the emulator."""
    (bucket,) = (props["BucketName"] for props in stack.resources("AWS::S3::Bucket").values())
    return Uploads(aws, invoke_function, bucket)


@pytest.fixture
def reminders(aws: Emulator, invoke_function: Invoke, tasks_api: TasksApi) -> Reminders:
    """Tasks with reminders, the schedule and the worker on the emulator, and the mail it accepted."""
    return Reminders(aws, invoke_function, tasks_api)
