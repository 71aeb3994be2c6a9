"""`python -m devserver` as a subprocess on a free port, for end-to-end tests and the benchmark.

The server's console (its own lines and every function's logs) is read continuously by a thread:
a full pipe would otherwise block the server, and tests assert on what it printed. It never reads
or writes the developer's saved data: it starts empty (`--fresh`) unless given a `data_dir` of its own.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]

_RUNNING = re.compile(r"Running on (http://\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalStack:
    """One `make run` server: `with LocalStack(template) as stack: requests.get(stack.url + "/x")`."""

    def __init__(
        self, template: Path | None = None, *args: str, data_dir: Path | None = None, start_timeout: float = 30.0
    ) -> None:
        """`data_dir`: where the server keeps its data across restarts; None starts empty and keeps nothing."""
        command = [sys.executable, "-m", "devserver", "--port", "0", *args]
        if template is not None:
            command += ["--template", str(template)]
        command += ["--fresh"] if data_dir is None else ["--data-dir", str(data_dir)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for variable in ("PORT", "SEED", "FRESH"):  # make run's settings: a test says what it wants
            env.pop(variable, None)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            found = self.wait_for(_RUNNING, timeout=start_timeout)
        except BaseException:  # nobody gets this object to stop(): end the server here
            self.process.kill()  # its workers follow: each watches a lifeline pipe from the server
            self.process.wait()
            raise
        self.url = _RUNNING.search(found).group(1)  # type: ignore[union-attr]  # wait_for matched it

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def output_since(self, mark: int) -> str:
        with self._changed:
            return "".join(self._lines[mark:])

    def mark(self) -> int:
        """A position in the output, for `output_since`/`wait_for(since=...)`."""
        with self._changed:
            return len(self._lines)

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = 10.0, since: int = 0) -> str:
        """The first output line (after `since`) matching `pattern`; fails if none comes in time."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines[since:]:
                    if regex.search(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"No output line matching {regex.pattern!r}; output:\n{''.join(self._lines)}")
                self._changed.wait(min(remaining, 0.5))

    def worker_pids(self) -> set[int]:
        """The server's child processes (its function workers), from /proc."""
        children: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                children.update(int(pid) for pid in (task / "children").read_text().split())
            except FileNotFoundError:  # the thread ended while we looked
                continue
        return children

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal the server and wait for it to exit; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired as exc:
                self.process.kill()
                self.process.wait()
                message = f"Still running {timeout:g} s after signal {signum}; output:\n{self.output}"
                raise AssertionError(message) from exc
        return self.process.returncode

    def _read(self) -> None:
        for line in self.process.stdout or ():
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()


def is_running(pid: int) -> bool:
    """True while any thread of `pid` is alive: a zombie waiting to be reaped does not count, but a
    process whose main thread has exited while another still runs (a moment after a SIGKILL) does."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return False
    for task in tasks:
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):  # that thread has just gone
            continue
        if state not in ("Z", "X"):
            return True
    return False
