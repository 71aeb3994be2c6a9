"""How fast is `make run`? Start-up, warm latency against in-process baselines, and 50 concurrent clients.

    .venv/bin/python -m bench.local_stack [--rounds 15] [--requests 100] [--seconds 10] [--clients 50]

Both sides of each comparison do the same work and are measured the same way, in one run, so the
noisy shared machine affects them alike:

- one client for both: `http.client` in this process's main thread, a fresh connection per
  request (neither server keeps connections alive), the body read in full;
- every server's console (the local stack's own lines and its functions' logs, the baseline's
  handler logs) goes to a file, not to a pipe this process would have to drain while it measures;
- after a warm-up, `--rounds` interleaved A/B rounds of `--requests` requests each (the order
  alternating ABBA...), a p50 per side per round and their ratio per round; the report gives the
  median over rounds and the min-max.

1. start-up: `python -m devserver --seed` to its "Running" line, and to the first answered request;
   that first request's latency.
2. GET /links/x (404 before any AWS call) through the local stack, vs a stdlib `ThreadingHTTPServer`
   (its own process, like the local stack) calling the same handler in-process. Goal: p50 <= 1.5x.
3. GET /demo (one conditional UpdateItem) through the local stack, vs the same handler called
   in this process against the same emulator. Goal: p50 <= 1.3x.
4. 50 clients for 10 s on GET /{code}: errors, and clicks (GET /links/{code}) vs successful redirects.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from bench.stats import Goal, paired_ratios
from devkit.events import redirect_event, stats_event
from devkit.functions import Handler, load_handler
from devkit.lambda_context import LambdaContext
from devkit.local_aws import emulator_environment
from devkit.local_server import ROOT, free_port
from devkit.stack import Stack

type Call = Callable[[], object]


def load(name: str, endpoint: str) -> tuple[Handler, int, int]:
    """A function's handler, imported here with its template environment aimed at `endpoint`.

    The layer is imported afresh: its clients are created at import with the endpoint of the
    time, and `make bench` has imported it before, aimed at its own in-process emulator.
    """
    function = Stack().function(name)
    os.environ.update({**function.environment, **emulator_environment(endpoint)})
    layers = tuple(str(directory.resolve()) for directory in function.layer_dirs)
    for module_name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(layers):
            del sys.modules[module_name]
    return load_handler(function), function.memory, function.timeout


def get(port: int, path: str) -> int:
    """One request on a fresh connection, as every measured request is made (both sides)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def samples_ms(call: Call, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def compare(ours: Call, theirs: Call, rounds: int, count: int, warmup: int = 50) -> tuple[list[float], list[float]]:
    """p50s per round of each side, in interleaved rounds (ABBA...) after a warm-up of both."""
    samples_ms(ours, warmup)
    samples_ms(theirs, warmup)
    p50s: tuple[list[float], list[float]] = ([], [])
    for index in range(rounds):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for side in order:
            p50s[side].append(statistics.median(samples_ms((ours, theirs)[side], count)))
    return p50s


def comparison(name: str, against: str, ours: list[float], theirs: list[float], goal: float) -> dict[str, Any]:
    """One A/B comparison as `make bench` records it: p50s per round, their ratios, the verdict."""
    ratios = paired_ratios(ours, theirs)
    ratio = statistics.median(ratios)
    target = Goal(goal, "x")
    return {
        "name": name,
        "against": against,
        "ours_p50_ms": ours,
        "theirs_p50_ms": theirs,
        "ratios": ratios,
        "ratio": ratio,
        "goal": target.text(),
        "met": target.met(ratio),
    }


def comparison_lines(row: dict[str, Any]) -> list[str]:
    def spread(values: list[float], unit: str = "") -> str:
        return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}-{max(values):.2f})"

    return [
        f"{row['name']} p50, median of {len(row['ratios'])} rounds (min-max):",
        f"  local stack {spread(row['ours_p50_ms'], ' ms')}, {row['against']} {spread(row['theirs_p50_ms'], ' ms')}",
        f"  ratio {spread(row['ratios'])}: goal {row['goal']} {'met' if row['met'] else 'NOT met'}",
    ]


class ConsoleFile:
    """A server whose console goes to a file (as a terminal would take it, nothing to drain)."""

    def __init__(self, command: list[str]) -> None:
        self._file = tempfile.NamedTemporaryFile("w+", prefix="bench-", suffix=".log")  # noqa: SIM115
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "SAM_CLI_TELEMETRY": "0"}
        env.pop("PORT", None)
        env.pop("SEED", None)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._file, stderr=subprocess.STDOUT)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(Path(self._file.name).read_text(errors="replace"))
            if match:
                return match
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"No {pattern!r} in:\n{Path(self._file.name).read_text(errors='replace')}")
            time.sleep(0.002)

    def wait_for_settled(self, quiet: float = 1.0, timeout: float = 30.0) -> None:
        """Until the server has started no new process (function worker) for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        seen, since = self.children(), time.monotonic()
        while time.monotonic() - since < quiet and time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.children()
            if now != seen:
                seen, since = now, time.monotonic()

    def children(self) -> set[int]:
        found: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                found.update(int(pid) for pid in (task / "children").read_text().split())
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._file.close()


@contextlib.contextmanager
def running(command: list[str]) -> Iterator[ConsoleFile]:
    server = ConsoleFile(command)
    try:
        yield server
    finally:
        server.stop()


def serve_baseline(port: int) -> None:
    """The baseline: a plain stdlib server calling the LinkStats handler in its own process."""
    handler, memory, timeout = load("LinkStatsFunction", "http://127.0.0.1:9")  # never called: /links/x fails early

    class Handle(BaseHTTPRequestHandler):
        # Head and body in one write, as the local stack answers: written separately, they can meet
        # Nagle's algorithm and delayed ACKs (a p50 of ~4 ms instead of ~0.8 ms in some runs).
        wbufsize = -1

        def do_GET(self) -> None:
            code = self.path.rsplit("/", 1)[-1]
            result = handler(stats_event(code), LambdaContext("LinkStatsFunction", memory, timeout))
            body = result["body"].encode()
            self.send_response(result["statusCode"])
            for key, value in result["headers"].items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handle)
    print("ready", flush=True)
    server.serve_forever()


def hammer(url: str, clients: int, seconds: float) -> tuple[int, int]:
    """(successful redirects, errors) from `clients` threads for `seconds`."""
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            try:
                ok = session.get(url, allow_redirects=False, timeout=30).status_code == 301
            except requests.RequestException:
                ok = False
            with lock:
                counts["ok" if ok else "errors"] += 1

    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    return counts["ok"], counts["errors"]


def run(
    rounds: int = 15, requests_per_round: int = 100, seconds: float = 10.0, clients: int = 50,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:  # fmt: skip
    """Every measure of the module's docstring, as a dict (`make bench` writes it into its results)."""
    emulator_port = free_port()
    command = [sys.executable, "-m", "devserver", "--port", "0", "--seed", "--emulator-port", str(emulator_port)]
    started = time.perf_counter()
    with running(command) as stack:
        url = stack.wait_for(r"Running on (http://\S+)").group(1)
        listening = time.perf_counter() - started
        port = int(url.rsplit(":", 1)[1])
        stack.wait_for("Seeded .*/demo")
        first_started = time.perf_counter()
        first_status = get(port, "/demo")
        first_ms = (time.perf_counter() - first_started) * 1000
        startup = {
            "listening_s": listening,
            "first_answered_s": time.perf_counter() - started,
            "first_request_ms": first_ms,
            "first_status": first_status,
        }
        stack.wait_for_settled()  # the prewarm has started every worker: nothing starts during the rounds

        progress("local stack: GET /links/x against a ThreadingHTTPServer")
        baseline_port = free_port()
        with running([sys.executable, "-m", "bench.local_stack", "--baseline-server", str(baseline_port)]) as base:
            base.wait_for("ready")
            answers = (get(port, "/links/x"), get(baseline_port, "/links/x"))
            if answers != (404, 404):
                raise RuntimeError(f"GET /links/x answered {answers} (local stack, baseline): not comparable")
            ours, theirs = compare(
                lambda: get(port, "/links/x"), lambda: get(baseline_port, "/links/x"), rounds, requests_per_round
            )
        no_aws_call = comparison("GET /links/x", "ThreadingHTTPServer + handler", ours, theirs, 1.5)

        progress("local stack: GET /demo against the handler in-process")
        # The handler's log lines go to a file, as the local stack's do (Powertools binds stdout at import).
        with tempfile.TemporaryFile("w", buffering=1) as console, contextlib.redirect_stdout(console):
            redirect, memory, timeout = load("RedirectLinkFunction", f"http://127.0.0.1:{emulator_port}")

            def direct() -> dict[str, Any]:
                result: dict[str, Any] = redirect(
                    redirect_event("demo"), LambdaContext("RedirectLinkFunction", memory, timeout)
                )
                return result

            # Both sides do the same work: a click counted and a 301, against the same table.
            answers = (get(port, "/demo"), direct()["statusCode"])
            if answers != (301, 301):
                raise RuntimeError(f"GET /demo answered {answers} (local stack, in-process): not comparable")
            ours, theirs = compare(lambda: get(port, "/demo"), direct, rounds, requests_per_round)
        redirect_row = comparison("GET /demo", "handler called in-process", ours, theirs, 1.3)

        progress(f"local stack: {clients} clients for {seconds:g} s")
        session = requests.Session()
        created = session.post(f"{url}/shorten", json={"url": "https://example.com/load"}, timeout=30)
        code = created.json()["shortCode"]
        ok, errors = hammer(f"{url}/{code}", clients, seconds)
        clicks = json.loads(session.get(f"{url}/links/{code}", timeout=30).text)["clicks"]
    return {
        "startup": startup,
        "comparisons": [no_aws_call, redirect_row],
        "concurrency": {
            "clients": clients,
            "seconds": seconds,
            "redirects": ok,
            "errors": errors,
            "clicks": clicks,
            "met": errors == 0 and clicks == ok,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=100, help="per side and round")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server:
        serve_baseline(args.baseline_server)
        return
    results = run(args.rounds, args.requests, args.seconds, args.clients)
    startup = results["startup"]
    print(
        f"start-up: listening after {startup['listening_s']:.2f} s;"
        f" first answered request after {startup['first_answered_s']:.2f} s"
    )
    first = f"GET /demo -> {startup['first_status']}, worker prewarmed or not"
    print(f"first request ({first}): {startup['first_request_ms']:.0f} ms")
    for row in results["comparisons"]:
        print("\n".join(comparison_lines(row)))
    load_test = results["concurrency"]
    print(
        f"{load_test['clients']} clients x {load_test['seconds']:.0f} s: {load_test['redirects']} redirects"
        f" ({load_test['redirects'] / load_test['seconds']:.0f}/s), {load_test['errors']} errors"
    )
    print(f"  clicks {load_test['clicks']}: {'equal' if load_test['clicks'] == load_test['redirects'] else 'MISMATCH'}")


if __name__ == "__main__":
    main()
