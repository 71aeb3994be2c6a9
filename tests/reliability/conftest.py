"""One real `make run` server for the reliability suite, its emulator on a known port, and its faults switch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from devkit.faults import CONTROL_PATH
from devkit.local_server import LocalStack, free_port
from tests.reliability.aws import EmulatorTables


@dataclass(frozen=True)
class AppServer:
    stack: LocalStack
    url: str
    emulator_endpoint: str

    @property
    def tables(self) -> EmulatorTables:
        return EmulatorTables(self.emulator_endpoint)

    def set_faults(self, *specs: str) -> None:
        """Replace the emulator's faults (devkit/faults.py); none = every request served."""
        response = requests.put(f"{self.emulator_endpoint}{CONTROL_PATH}", json=list(specs), timeout=10)
        response.raise_for_status()

    def injected(self) -> dict[str, int]:
        """How many requests each kind of fault has failed since the faults were last set."""
        response = requests.get(f"{self.emulator_endpoint}{CONTROL_PATH}", timeout=10)
        response.raise_for_status()
        injected: dict[str, int] = response.json()["injected"]
        return injected


@pytest.fixture(scope="session")
def app_server() -> Iterator[AppServer]:
    """The repo's template served as `make run` does (AuthMode=none), shared by the whole suite."""
    emulator_port = free_port()
    with LocalStack(None, "--emulator-port", str(emulator_port)) as stack:
        server = AppServer(stack, stack.url, f"http://127.0.0.1:{emulator_port}")
        server.set_faults()
        yield server


@pytest.fixture
def faults(app_server: AppServer) -> Iterator[AppServer]:
    """The server, with whatever faults a test sets cleared again afterwards (pass or fail)."""
    yield app_server
    app_server.set_faults()
