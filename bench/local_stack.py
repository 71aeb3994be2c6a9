"""How fast is `make run`? Start-up, warm latency against in-process baselines, and 50 concurrent clients.

    .venv/bin/python -m bench.local_stack [--requests 300] [--seconds 10] [--clients 50]

Measured in one run, so the noisy machine affects both sides of each ratio alike:

1. start-up: `python -m devserver` (as `make run SEED=1`) to its "Running" line, and to the first
   answered request; that first request's latency.
2. GET /links/x (404 before any AWS call) through the local stack, vs a stdlib `ThreadingHTTPServer`
   (its own process, like the local stack) calling the same handler in-process. Goal: p50 <= 1.5x.
3. GET /demo (one conditional UpdateItem) through the local stack, vs the same handler called
   in this process against the same emulator. Goal: p50 <= 1.3x.
4. 50 clients for 10 s on GET /{code}: errors, and clicks (GET /links/{code}) vs successful redirects.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from devserver.lambda_context import LambdaContext
from devserver.local_aws import emulator_environment
from devserver.stack import Stack
from tests.e2e.local_stack import ROOT, LocalStack, free_port
from tests.support.events import redirect_event, stats_event
from tests.support.functions import Handler, load_handler


def load(name: str, endpoint: str) -> tuple[Handler, int, int]:
    """A function's handler, imported here with its template environment aimed at `endpoint`."""
    function = Stack().function(name)
    os.environ.update({**function.environment, **emulator_environment(endpoint)})
    return load_handler(function), function.memory, function.timeout


def p50_ms(call: Callable[[], object], count: int, warmup: int = 20) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def serve_baseline(port: int) -> None:
    """The baseline: a plain stdlib server calling the LinkStats handler in its own process."""
    handler, memory, timeout = load("LinkStatsFunction", "http://127.0.0.1:9")  # never called: /links/x fails early

    class Handle(BaseHTTPRequestHandler):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server:
        serve_baseline(args.baseline_server)
        return

    emulator_port = free_port()
    started = time.perf_counter()
    with LocalStack(None, "--seed", "--emulator-port", str(emulator_port)) as stack:
        listening = time.perf_counter() - started
        stack.wait_for("Seeded .*/demo")
        first_started = time.perf_counter()
        first = requests.get(f"{stack.url}/demo", allow_redirects=False, timeout=30)
        first_ms = (time.perf_counter() - first_started) * 1000
        answered = time.perf_counter() - started
        print(f"start-up: listening after {listening:.2f} s; first answered request after {answered:.2f} s")
        print(f"first request (GET /demo -> {first.status_code}): {first_ms:.0f} ms")

        session = requests.Session()
        port = free_port()
        baseline = subprocess.Popen(
            [sys.executable, "-m", "bench.local_stack", "--baseline-server", str(port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert baseline.stdout is not None
            baseline.stdout.readline()
            # Its handler logs like the local stack's do: drain them the same way, or the pipe fills.
            threading.Thread(target=baseline.stdout.read, daemon=True).start()
            ours = p50_ms(lambda: session.get(f"{stack.url}/links/x", timeout=30), args.requests)
            plain = p50_ms(lambda: session.get(f"http://127.0.0.1:{port}/links/x", timeout=30), args.requests)
        finally:
            baseline.terminate()
            baseline.wait()
        print(f"GET /links/x p50: local stack {ours:.2f} ms, ThreadingHTTPServer + handler {plain:.2f} ms")
        print(f"  ratio {ours / plain:.2f} (goal <= 1.5)")

        redirect, memory, timeout = load("RedirectLinkFunction", f"http://127.0.0.1:{emulator_port}")
        ours = p50_ms(lambda: session.get(f"{stack.url}/demo", allow_redirects=False, timeout=30), args.requests)
        with contextlib.redirect_stdout(io.StringIO()):  # its log lines, kept off the report
            direct = p50_ms(
                lambda: redirect(redirect_event("demo"), LambdaContext("RedirectLinkFunction", memory, timeout)),
                args.requests,
            )
        print(f"GET /demo p50: local stack {ours:.2f} ms, handler called in-process {direct:.2f} ms")
        print(f"  ratio {ours / direct:.2f} (goal <= 1.3)")

        code = session.post(f"{stack.url}/shorten", json={"url": "https://example.com/load"}, timeout=30).json()[
            "shortCode"
        ]
        ok, errors = hammer(f"{stack.url}/{code}", args.clients, args.seconds)
        clicks = session.get(f"{stack.url}/links/{code}", timeout=30).json()["clicks"]
        verdict = "equal" if clicks == ok else "MISMATCH"
        rate = ok / args.seconds
        print(f"{args.clients} clients x {args.seconds:.0f} s: {ok} redirects ({rate:.0f}/s), {errors} errors")
        print(f"  clicks {clicks}: {verdict}")


if __name__ == "__main__":
    main()
