"""Ctrl-C (SIGINT) and SIGTERM stop the server cleanly and leave no process behind; so does a killed
server, and one that did not start in time."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from devkit.local_server import LocalStack, is_running
from tests.e2e.fixture_app import TEMPLATE as FIXTURE_APP

pytestmark = pytest.mark.e2e


def _sleep_request(url: str) -> None:
    with contextlib.suppress(requests.ConnectionError):  # the server stops mid-request: expected
        requests.get(f"{url}/sleep", params={"seconds": "0.9"}, timeout=30)


def start_with_busy_and_idle_workers() -> tuple[LocalStack, set[int]]:
    stack = LocalStack(FIXTURE_APP, "--no-prewarm")
    try:
        requests.get(f"{stack.url}/echo/hi", timeout=30)  # an idle warm worker
        mark = stack.mark()
        busy = threading.Thread(target=_sleep_request, args=(stack.url,), daemon=True)
        busy.start()  # a worker in the middle of a request when the signal comes
        stack.wait_for(r"START RequestId", since=mark)
        deadline = time.monotonic() + 10
        while len(stack.worker_pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = stack.worker_pids()
        assert len(pids) == 2, f"expected 2 workers, found {pids}"
    except BaseException:
        stack.stop(signal.SIGKILL)  # never leave a server behind a failed test
        raise
    return stack, pids


def wait_gone(pids: set[int], timeout: float = 5.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while (alive := {pid for pid in pids if is_running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_exits_cleanly_with_no_worker_left(signum: signal.Signals) -> None:
    stack, pids = start_with_busy_and_idle_workers()

    exit_code = stack.stop(signum)

    assert exit_code == 0
    assert wait_gone(pids, timeout=0) == set()  # the server reaps its workers before it exits
    assert "Stopping" in stack.output


def test_workers_exit_by_themselves_when_the_server_is_killed() -> None:
    stack, pids = start_with_busy_and_idle_workers()

    stack.stop(signal.SIGKILL)

    assert wait_gone(pids, timeout=10) == set()


def _children() -> set[int]:
    return {int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()}


def test_a_server_that_does_not_start_in_time_is_not_left_running() -> None:
    before = _children()

    with pytest.raises(AssertionError, match="Running on"):
        LocalStack(FIXTURE_APP, "--no-prewarm", start_timeout=0)

    assert _children() - before == set()
