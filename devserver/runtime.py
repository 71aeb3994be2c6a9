"""The Lambda runtime SAM's `LocalLambdaRunner` calls instead of its Docker one: warm local Python processes.

SAM resolves the function (code folder, handler, layers, timeout, memory, environment) and calls
`invoke(function_config, event, ..., stdout=...)`; this runs the event in one of the function's
warm workers and writes the handler's JSON result to `stdout`, as SAM's container runtime does.
A failed invocation raises instead (`FunctionError`, `FunctionTimedOut`): the gateway turns those
into the responses API Gateway gives, not SAM's. As in Lambda, a response over 6 MB is a failure.

Workers are retired when the function's code changes (`code_changed`, called by
devserver/code_watch.py).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devkit.local_aws import emulator_environment
from devkit.stack import LocalFunction
from devserver.workers import WorkerDied, WorkerPool, WorkerTimedOut

# Lambda scales out one execution environment per concurrent request; a laptop needs only a few.
DEFAULT_POOL_SIZE = 4
# Credentials of the developer's shell must never reach a function (it would then be one typo away
# from real AWS): SAM passes them on, so they are dropped here.
_DROPPED_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN")
# Lambda's limit on a synchronous invocation's response ("Response payload size exceeded maximum
# allowed payload size (6291556 bytes)."): 6 MiB and 100 bytes.
MAX_RESPONSE_BYTES = 6_291_556


class FunctionError(Exception):
    """The invocation failed: the handler raised, or its process died. Details are in the console."""


class FunctionTimedOut(FunctionError):
    """The handler ran past the function's timeout and was killed."""


class WarmRuntime:
    """Runs each function in its own pool of warm subprocesses, retired when its code changes."""

    def __init__(self, root: Path, emulator_endpoint: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self._root = root
        self._pool_size = pool_size
        self._environment = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",  # Lambda runs in UTC whatever the laptop's zone
            **emulator_environment(emulator_endpoint),
        }
        # The lifeline: workers hold the read end; its write end dies with this process, however it dies.
        self._lifeline_read, self._lifeline_write = os.pipe()
        self._pools: dict[str, WorkerPool] = {}
        self._changed: set[str] = set()  # functions whose change was announced and not yet requested since
        # The function as resolved from the last config object SAM handed us (it hands the same one
        # each time: gateway._ResolvedOnceRunner, which the triggers share), so the environment is not
        # re-resolved per request or event.
        self._functions: dict[str, tuple[Any, LocalFunction]] = {}
        self._lock = threading.Lock()
        self._closed = False

    # The seam: LocalLambdaRunner.invoke calls this with keyword arguments (tests/devserver/test_sam_seam.py).
    def invoke(
        self, function_config: Any, event: str, tenant_id: str | None = None, *, stdout: Any = None, **_: Any
    ) -> None:
        function = self._function(function_config)
        pool = self._pool(function)
        request_id = str(uuid.uuid4())
        worker = pool.acquire(function)
        try:
            succeeded, payload = worker.invoke(request_id, event)
        except WorkerTimedOut:
            pool.release(worker, healthy=False)
            _print_timeout(request_id, function)
            raise FunctionTimedOut(f"{function.name} timed out after {function.timeout} s") from None
        except WorkerDied as exc:
            pool.release(worker, healthy=False)
            print(f"{function.name}: the function's process exited ({exc}); the next request starts a new one")
            raise FunctionError(f"{function.name} process exited") from None
        pool.release(worker, healthy=True)
        if not succeeded:
            raise FunctionError(payload.decode())
        if len(payload) > MAX_RESPONSE_BYTES:
            message = f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
            print(f"{function.name}: {request_id} {message} ({len(payload)} bytes)", flush=True)
            raise FunctionError(message)
        stdout.write_str(payload.decode())

    def code_changed(self, function_names: Iterable[str]) -> None:
        """These functions' code or a layer of theirs changed: no worker started before now serves another request."""
        names = set(function_names)
        with self._lock:
            pools = [self._pools[name] for name in names if name in self._pools]
            news = sorted(names - self._changed)
            self._changed.update(news)
        for pool in pools:
            pool.retire()
        if news:  # once per burst of file events (an editor's save is several)
            print(f"Code changed: restarting the workers of {', '.join(news)}", flush=True)

    def prewarm(self, functions: Iterable[LocalFunction]) -> None:
        """Start one worker per function, one at a time (so serving requests keeps a core)."""
        for function in map(_without_shell_credentials, functions):
            try:
                pool = self._pool(function)
                if pool.idle_count:
                    continue
                worker = pool.acquire(function)
            except RuntimeError:  # shutting down
                return
            try:
                worker.wait_ready()
            except (WorkerTimedOut, WorkerDied):
                pool.release(worker, healthy=False)
                continue
            pool.release(worker, healthy=True)

    def close(self) -> None:
        """Kill every worker and reap it; safe to call twice."""
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def _function(self, function_config: Any) -> LocalFunction:
        cached = self._functions.get(function_config.name)
        if cached is None or cached[0] is not function_config:
            function = _without_shell_credentials(LocalFunction.from_invoke_config(function_config, self._root))
            cached = self._functions[function_config.name] = (function_config, function)
        return cached[1]

    def _pool(self, function: LocalFunction) -> WorkerPool:
        with self._lock:
            if self._closed:
                raise RuntimeError("The local stack is shutting down")
            self._changed.discard(function.name)
            pool = self._pools.get(function.name)
            if pool is None:
                pool = self._pools[function.name] = WorkerPool(self._pool_size, self._environment, self._lifeline_read)
            return pool


def _without_shell_credentials(function: LocalFunction) -> LocalFunction:
    environment = {k: v for k, v in function.environment.items() if k not in _DROPPED_VARIABLES}
    return dataclasses.replace(function, environment=environment)


def _print_timeout(request_id: str, function: LocalFunction) -> None:
    """What Lambda logs when it stops a handler at its timeout."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    duration = function.timeout * 1000
    print(
        f"{now} {request_id} Task timed out after {function.timeout:.2f} seconds\n"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {duration:.0f} ms\t"
        f"Memory Size: {function.memory} MB\tStatus: timeout",
        flush=True,
    )
