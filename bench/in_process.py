"""The template's functions loaded in this process, warm, against an in-process emulator.

Each function is loaded once with `devkit.functions.load_handler` and called with its template
environment set, as the handler tests do. What handlers print (Powertools' JSON log lines and EMF
metrics) is what Lambda would send to CloudWatch Logs: `LogCapture` keeps it for the cost model.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any

from devkit.emulator import Emulator
from devkit.functions import Handler, invoke, load_handler
from devkit.local_aws import emulator_environment
from devkit.stack import LocalFunction, Stack


class LogCapture(io.TextIOBase):
    """A stdout that keeps what is written until `take()`: one request's log output."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self._parts)
        self._parts.clear()
        return text


class InProcessApp:
    """The template's functions, loaded in this process, talking to `emulator`."""

    def __init__(self, stack: Stack, emulator: Emulator, logs: LogCapture | None = None) -> None:
        self.stack = stack
        self.emulator = emulator
        self.logs = logs or LogCapture()
        self._functions: dict[str, LocalFunction] = {}
        self._handlers: dict[str, Handler] = {}

    def function(self, name: str) -> LocalFunction:
        if name not in self._functions:
            self._functions[name] = self.stack.function(name)
        return self._functions[name]

    @contextlib.contextmanager
    def environment(self, name: str, **overrides: str) -> Iterator[Handler]:
        """Set the function's template environment (restored after) and yield its warm handler."""
        function = self.function(name)
        # The template's variables, never its endpoint: the emulator's stays.
        variables = {k: v for k, v in function.environment.items() if k != "AWS_ENDPOINT_URL"} | overrides
        saved = {key: os.environ.get(key) for key in variables}
        os.environ.update(variables)
        try:
            if name not in self._handlers:
                self._handlers[name] = load_handler(function)
            yield self._handlers[name]
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def invoke(self, name: str, event: dict[str, Any], **overrides: str) -> Any:
        """One invocation with the function's environment set around it."""
        with self.environment(name, **overrides) as handler:
            return invoke(self.function(name), handler, event)


@contextlib.contextmanager
def started(stack: Stack) -> Iterator[InProcessApp]:
    """An emulator with the template's resources, this process aimed at it, handlers' stdout captured.

    The capture is installed before any handler is loaded: Powertools' logger binds to the
    `sys.stdout` of the moment it is created, at the layer's import.
    """
    emulator = Emulator(port=0).start()
    saved = dict(os.environ)
    os.environ.update(emulator_environment(emulator.endpoint))
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(variable, None)
    logs = LogCapture()
    previous, sys.stdout = sys.stdout, logs
    try:
        emulator.create_resources(stack)
        yield InProcessApp(stack, emulator, logs)
    finally:
        sys.stdout = previous
        os.environ.clear()
        os.environ.update(saved)
        emulator.stop()
