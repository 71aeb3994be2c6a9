"""How `make run` feels: start-up, the first request, a few routes' latency, and 50 clients at once.

Reported, not judged (`make run` has no latency goal: its goals are correctness and parity with
`sam local`). The server is a black box on HTTP: `python -m devserver` as `make run` starts it,
through devkit.local_server.LocalStack. Each request opens a fresh connection and reads the
answer in full, as `curl` would.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from devkit.local_server import LocalStack

SHORTEN = json.dumps({"url": "https://example.com/articles/2026/a-benchmark-of-a-serverless-app"})


def request(port: int, method: str, path: str, body: str | None = None) -> tuple[int, str, float]:
    """(status, body, ms) of one request on a fresh connection; status 0 when the connection failed."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        response = connection.getresponse()
        status, text = response.status, response.read().decode()
    except OSError:
        status, text = 0, ""
    finally:
        connection.close()
    return status, text, (time.perf_counter() - started) * 1000


def latency(port: int, route: str, path: str, count: int, body: str | None = None) -> dict[str, Any]:
    """p50 and p90 of `count` requests to `path` one after another (after 10 unrecorded)."""
    method = route.split(maxsplit=1)[0]
    for _ in range(10):
        request(port, method, path, body)
    results = [request(port, method, path, body) for _ in range(count)]
    times = sorted(ms for _, _, ms in results)
    statuses = sorted({status for status, _, _ in results})
    return {"route": route, "statuses": statuses, "p50_ms": statistics.median(times),
            "p90_ms": times[int(0.9 * (len(times) - 1))]}  # fmt: skip


def clients(port: int, path: str, count: int, seconds: float) -> tuple[int, int]:
    """(301s, other answers) from `count` threads requesting `path` back to back for `seconds`."""
    deadline = time.monotonic() + seconds
    tally = {"redirects": 0, "errors": 0}
    lock = threading.Lock()

    def client() -> None:
        while time.monotonic() < deadline:
            status, _, _ = request(port, "GET", path)
            with lock:
                tally["redirects" if status == 301 else "errors"] += 1

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally["redirects"], tally["errors"]


def run(
    requests: int = 200, concurrent: int = 50, seconds: float = 5.0, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Every measure of the module's docstring, as a dict."""
    with LocalStack(start_timeout=120) as stack:
        listening = time.perf_counter() - stack.started
        port = urlsplit(stack.url).port or 80
        status, body, first_ms = request(port, "POST", "/shorten", SHORTEN)
        if status != 201:
            raise RuntimeError(f"POST /shorten answered {status}: {body}")
        code = json.loads(body)["shortCode"]
        startup = {"listening_s": listening, "first_request_ms": first_ms,
                   "first_answered_s": time.perf_counter() - stack.started}  # fmt: skip
        progress("local stack: latency")
        routes = [
            latency(port, "GET /{shortCode}", f"/{code}", requests),
            latency(port, "GET /links/{shortCode}", f"/links/{code}", requests),
            latency(port, "POST /shorten", "/shorten", requests, SHORTEN),
        ]
        progress(f"local stack: {concurrent} clients for {seconds:g} s")
        load_code = json.loads(request(port, "POST", "/shorten", SHORTEN)[1])["shortCode"]
        redirects, errors = clients(port, f"/{load_code}", concurrent, seconds)
        clicks = json.loads(request(port, "GET", f"/links/{load_code}")[1])["clicks"]
    return {
        "startup": startup,
        "routes": routes,
        "load": {"clients": concurrent, "seconds": seconds, "redirects": redirects, "errors": errors, "clicks": clicks},
    }
