"""The real `make run` servers the end-to-end tests share: the repo's template for the Links tests
(seeded, its emulator on a known port), the same with `AUTH=cognito` for sign-in, and the fixture
app for the runtime and connection tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devkit.local_server import LocalStack, free_port
from tests.e2e.fixture_app import TEMPLATE as FIXTURE_APP

FIXTURE_IDLE_TIMEOUT = 1.0  # seconds: the connection tests wait for it


@dataclass(frozen=True)
class LinksStack:
    stack: LocalStack
    url: str
    emulator_endpoint: str


@pytest.fixture(scope="session")
def links_stack() -> Iterator[LinksStack]:
    """The repo's template, served as `make run SEED=1` would (alias `demo` exists)."""
    emulator_port = free_port()
    with LocalStack(None, "--seed", "--no-prewarm", "--emulator-port", str(emulator_port)) as stack:
        stack.wait_for("Seeded .*/demo")
        yield LinksStack(stack, stack.url, f"http://127.0.0.1:{emulator_port}")


@dataclass(frozen=True)
class CognitoStack:
    stack: LocalStack
    url: str
    sign_in: dict[str, str]  # the variables of the `export` line it printed: AWS_ENDPOINT_URL, ..., POOL, CLIENT


@pytest.fixture(scope="session")
def cognito_stack() -> Iterator[CognitoStack]:
    """The repo's template, served as `make run AUTH=cognito` would: its user pool, its JWT authorizer."""
    with LocalStack(None, "--auth", "cognito", "--no-prewarm") as stack:
        export = stack.wait_for(r"^\s+export AWS_ENDPOINT_URL=").split()[1:]
        yield CognitoStack(stack, stack.url, dict(variable.split("=", 1) for variable in export))


@pytest.fixture(scope="session")
def fixture_stack() -> Iterator[LocalStack]:
    """tests/e2e/fixture_app (echo, sleepy, crash), up to 3 workers per function, idle connections closed after 1 s."""
    with LocalStack(
        FIXTURE_APP, "--no-prewarm", "--workers", "3", "--idle-timeout", str(FIXTURE_IDLE_TIMEOUT)
    ) as stack:
        yield stack
