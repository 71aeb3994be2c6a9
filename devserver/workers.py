"""Warm worker processes (see `devserver.worker`) and the small per-function pool that scales them out.

Each worker runs in its own process group, so a timed-out handler is killed with anything it
started. A pool starts workers lazily, up to `size` at a time, as Lambda starts execution
environments when concurrent requests need them; a worker whose function's source changed is
retired instead of reused, and one found dead (killed while idle) is never handed out.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from devkit.stack import LocalFunction
from devserver import worker as worker_script

LOG = logging.getLogger(__name__)
WORKER_SCRIPT = Path(worker_script.__file__).resolve()
# Lambda gives a function's init phase its own 10 s, on top of the handler's timeout.
INIT_TIMEOUT_SECONDS = 10.0


class WorkerTimedOut(Exception):
    """The handler ran past the function's timeout; the worker has been killed."""


class WorkerDied(Exception):
    """The worker process exited mid-request (sys.exit, a crash, the OOM killer)."""


class Worker:
    """One warm process running one function's handler, one request at a time."""

    def __init__(
        self, function: LocalFunction, environment: Mapping[str, str], lifeline_fd: int, generation: int
    ) -> None:
        """Start the process; `environment` is added to the function's own (template) variables."""
        self.function = function
        self.generation = generation
        self._ready = False
        request_read, request_write = os.pipe()
        result_read, result_write = os.pipe()
        env = {
            **function.environment,
            **environment,
            "LAMBDA_TASK_ROOT": str(function.code_dir),
            "_HANDLER": function.handler,
            worker_script.FDS_VARIABLE: f"{request_read},{result_write},{lifeline_fd}",
            worker_script.LAYERS_VARIABLE: os.pathsep.join(str(d) for d in function.layer_dirs),
        }
        try:
            # -P: the script's folder (devserver/) must not land on the function's sys.path.
            self.process = subprocess.Popen(
                [sys.executable, "-P", str(WORKER_SCRIPT)],
                env=env,
                cwd=function.code_dir,
                stdin=subprocess.DEVNULL,
                pass_fds=(request_read, result_write, lifeline_fd),
                start_new_session=True,  # own process group: killed as one, and Ctrl-C reaches only the server
            )
        finally:
            os.close(request_read)
            os.close(result_write)
        self._requests = request_write
        self._results = result_read
        self._closed = False
        LOG.debug("Started worker pid %d for %s", self.process.pid, function.name)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> None:
        """Wait for the handler's import (Lambda's init phase, with its own time limit)."""
        if self._ready:
            return
        try:
            if not select.select([self._results], [], [], INIT_TIMEOUT_SECONDS)[0]:
                self.kill()
                raise WorkerTimedOut("init")
            worker_script.receive_message(self._results)  # b"I": imported (or failed to, which each request reports)
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerDied(f"exit code {self.process.poll()} during init") from exc
        self._ready = True

    def invoke(self, request_id: str, event: str) -> tuple[bool, bytes]:
        """(succeeded, result or error JSON); raises WorkerTimedOut or WorkerDied (the worker is then dead)."""
        self.wait_ready()
        try:
            worker_script.send_message(self._requests, f"{request_id}\n{event}".encode())
            if not select.select([self._results], [], [], self.function.timeout)[0]:
                self.kill()
                raise WorkerTimedOut(request_id)
            message = worker_script.receive_message(self._results)
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerDied(f"exit code {self.process.poll()}") from exc
        return message[:1] == b"R", message[1:]

    def signal_group(self) -> None:
        """SIGKILL the worker's process group; safe from any thread (the invoking one sees end of file)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Kill the worker and everything it started, and reap it (no zombie left behind)."""
        self.signal_group()
        self.process.wait()
        if not self._closed:
            self._closed = True
            os.close(self._requests)
            os.close(self._results)


class WorkerPool:
    """Up to `size` warm workers of one function; a request waits for a free one beyond that."""

    def __init__(self, size: int, environment: Mapping[str, str], lifeline_fd: int) -> None:
        """`environment` is added to each worker's function variables (the emulator endpoint, ...)."""
        self.size = size
        self._environment = environment
        self._lifeline_fd = lifeline_fd
        self._idle: list[Worker] = []
        self._live: set[Worker] = set()
        self._starting = 0
        self._generation = 0
        self._closed = False
        self._changed = threading.Condition()

    def acquire(self, function: LocalFunction) -> Worker:
        """A live warm idle worker, else a new one (a cold start) while the pool has room, else wait."""
        with self._changed:
            while not self._closed and not self._idle and len(self._live) + self._starting >= self.size:
                self._changed.wait()
            if self._closed:
                raise RuntimeError("The local stack is shutting down")
            while self._idle:
                idle = self._idle.pop()
                if idle.process.poll() is None:
                    return idle
                # Killed while idle (or crashed on its own): never handed out; reaped, and replaced below.
                print(f"{function.name}: worker {idle.pid} had exited while idle; another one takes over", flush=True)
                idle.kill()
                self._live.discard(idle)
            self._starting += 1
            generation = self._generation
        worker: Worker | None = None
        try:
            worker = Worker(function, self._environment, self._lifeline_fd, generation)
            return worker
        finally:
            with self._changed:
                self._starting -= 1
                if worker is not None:
                    self._live.add(worker)
                self._changed.notify()

    def release(self, worker: Worker, *, healthy: bool) -> None:
        """Back to the pool if it is alive and current; killed otherwise."""
        with self._changed:
            if healthy and not self._closed and worker.generation == self._generation:
                self._idle.append(worker)
                self._changed.notify()
                return
        worker.kill()
        self._forget(worker)

    def retire(self) -> None:
        """The function's code changed: no worker started before now serves another request."""
        with self._changed:
            self._generation += 1
            stale, self._idle = self._idle, []
        for worker in stale:
            worker.kill()
            self._forget(worker)

    def close(self) -> None:
        """Kill every worker, busy ones included (their requests fail), and refuse new requests."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            busy = self._live - set(self._idle)
        self.retire()
        for worker in busy:
            worker.signal_group()
            worker.process.wait()

    @property
    def idle_count(self) -> int:
        with self._changed:
            return len(self._idle)

    def _forget(self, worker: Worker) -> None:
        with self._changed:
            self._live.discard(worker)
            self._changed.notify()
