"""The emulator with the template's user pool and app client (`AuthMode=cognito`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.emulator import Emulator
from devkit.stack import Stack


@pytest.fixture
def pools(emulator: Emulator, cognito_template: Stack) -> Iterator[dict[str, str]]:
    """The ids of the template's user pool and app client on the emulator, by logical id."""
    emulator.reset()
    yield emulator.create_resources(cognito_template)
    emulator.reset()  # the next test's `aws` creates what it needs
