"""Handlers called in this process against the emulator, as the handler tests do.

Each function is loaded once (warm, as in Lambda) with `devkit.functions.load_handler`,
and invoked with its template environment set. What the handlers print (Powertools' JSON log
lines and metrics) is what Lambda would ship to CloudWatch Logs: `LogCapture` keeps it so the
cost model can count its bytes instead of guessing.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any

from devkit.emulator import Emulator
from devkit.functions import Handler, load_handler
from devkit.lambda_context import LambdaContext
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

    def __init__(self, stack: Stack, emulator: Emulator) -> None:
        self.stack = stack
        self.emulator = emulator
        self._functions: dict[str, LocalFunction] = {}
        self._handlers: dict[str, Handler] = {}
        # The layer on the path (Lambda's /opt/python), as load_handler would put it: the bench
        # uses the layer's own clients and helpers too.
        for function in stack.functions().values():
            for layer in function.layer_dirs:
                if str(layer) not in sys.path:
                    sys.path.insert(0, str(layer))

    def function(self, name: str) -> LocalFunction:
        if name not in self._functions:
            self._functions[name] = self.stack.function(name)
        return self._functions[name]

    @contextlib.contextmanager
    def environment(self, name: str) -> Iterator[Handler]:
        """Set the function's template environment (restored after) and yield its warm handler."""
        function = self.function(name)
        saved = {key: os.environ.get(key) for key in function.environment}
        # The template's dummy credentials and region, never its endpoint: the emulator's stays.
        os.environ.update({k: v for k, v in function.environment.items() if k != "AWS_ENDPOINT_URL"})
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

    def handler(self, name: str) -> Handler:
        """The function's warm handler (loaded, with its environment set, on first use)."""
        if name not in self._handlers:
            with self.environment(name) as handler:
                return handler
        return self._handlers[name]

    def context(self, name: str) -> LambdaContext:
        function = self.function(name)
        return LambdaContext(function.name, function.memory, function.timeout)

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """One invocation, environment set and restored around it (not for timing loops)."""
        with self.environment(name) as handler:
            return handler(event, self.context(name))


@contextlib.contextmanager
def started(stack: Stack) -> Iterator[tuple[InProcessApp, LogCapture]]:
    """An emulator with the template's resources, this process aimed at it, handlers' stdout captured.

    The capture is installed before any handler is loaded: Powertools' logger binds to the
    `sys.stdout` of the moment it is created, at the layer's import.
    """
    emulator = Emulator(port=0).start()
    os.environ.update(emulator_environment(emulator.endpoint))
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(variable, None)
    capture = LogCapture()
    previous, sys.stdout = sys.stdout, capture
    try:
        emulator.create_resources(stack)
        yield InProcessApp(stack, emulator), capture
    finally:
        sys.stdout = previous
        emulator.stop()
