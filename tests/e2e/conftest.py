"""One real `make run` server for the Links end-to-end tests (seeded, its emulator on a known port)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devkit.local_server import LocalStack, free_port


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
