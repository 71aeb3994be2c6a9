"""The local stack under load: `python -m devserver` (what `make run` starts) with 1, 8 and 32 clients.

The server runs as a subprocess on a free port, its console going to a file (bench/local_stack.py's
`running`, shared rather than copied). Each client is a thread of this process making requests
back to back, a fresh connection each (the server does not keep connections alive), for a
bounded time per level. Reported per route and level: p50 and p99 latency, requests per second,
errors, and p50 as a ratio to the same handler invoked in-process (warm.py, same run). Clients and
server share the machine's cores: at 32 clients the figures say as much about this laptop-sized
setup as about the server.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.local_stack import running
from bench.stats import percentile
from devkit.local_server import free_port

LEVELS = (1, 8, 32)
SHORTEN_BODY = json.dumps({"url": "https://example.com/articles/2026/a-benchmark-of-a-serverless-app"})


@dataclass(frozen=True)
class Route:
    name: str
    operation: str  # warm.py's operation it is compared with
    method: str
    path: str
    body: str | None
    status: int


def request(port: int, route: Route) -> tuple[int, float]:
    """(status, ms) of one request on a fresh connection, body read in full; status 0 on failure."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if route.body is not None else {}
        connection.request(route.method, route.path, body=route.body, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, (time.perf_counter() - started) * 1000


def load(port: int, route: Route, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` threads for `seconds`: latencies of successful requests, errors, throughput."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    deadline = 0.0

    def client() -> None:
        nonlocal errors
        start_line.wait()
        while time.monotonic() < deadline:
            status, ms = request(port, route)
            with lock:
                if status == route.status:
                    latencies.append(ms)
                else:
                    errors += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.5) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
    }


def run(
    in_process_ms: Mapping[str, float],
    *,
    seconds: float = 4.0,
    levels: Sequence[int] = LEVELS,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Start the local stack, make one link, and load both routes at every level."""
    command = [sys.executable, "-m", "devserver", "--port", "0", "--emulator-port", str(free_port())]
    rows = []
    with running(command) as stack:
        url = stack.wait_for(r"Running on (http://\S+)", timeout=120).group(1)
        port = int(url.rsplit(":", 1)[1])
        shorten = Route("POST /shorten", "shorten", "POST", "/shorten", SHORTEN_BODY, 201)
        code = _new_code(port)
        stack.wait_for_settled()  # every worker prewarmed: none starts during a measurement
        routes = (Route("GET /{shortCode}", "redirect", "GET", f"/{code}", None, 301), shorten)
        for route in routes:
            load(port, route, 1, 0.5)  # warm-up, not recorded
            for clients in levels:
                row = {"route": route.name, **load(port, route, clients, seconds)}
                baseline = in_process_ms.get(route.operation)
                row["in_process_p50_ms"] = baseline
                row["p50_ratio"] = row["p50_ms"] / baseline if baseline and row["p50_ms"] else None
                rows.append(row)
                progress(f"local stack: {route.name} x{clients}: {row['rps']:.0f}/s")
    return {"seconds_per_level": seconds, "rows": rows}


def _new_code(port: int) -> str:
    """The short code of a new link, made for the benchmark to redirect through."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/shorten", body=SHORTEN_BODY, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        if response.status != 201:
            raise RuntimeError(f"POST /shorten answered {response.status}")
        body: dict[str, Any] = json.loads(response.read())
    finally:
        connection.close()
    return str(body["shortCode"])
