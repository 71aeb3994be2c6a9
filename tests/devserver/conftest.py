"""`make run`'s own emulator, and the emulator with the template's user pool and app client (`AuthMode=cognito`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.emulator import Emulator
from devkit.stack import Stack
from devserver.emulator import LocalEmulator, start_emulator


@pytest.fixture
def pools(emulator: Emulator, cognito_template: Stack) -> Iterator[dict[str, str]]:
    """The ids of the template's user pool and app client on the emulator, by logical id."""
    emulator.reset()
    yield emulator.create_resources(cognito_template)
    emulator.reset()  # the next test's `aws` creates what it needs


@pytest.fixture(scope="module")
def _local() -> Iterator[LocalEmulator]:
    local = start_emulator("127.0.0.1", 0)
    yield local
    local.emulator.stop()


@pytest.fixture
def local(aws: Emulator, _local: LocalEmulator) -> LocalEmulator:
    """`make run`'s emulator (devkit's, with the write count in front of moto). moto keeps its state
    per process, so it serves the tables and bucket `aws` has just created from the template."""
    return _local
