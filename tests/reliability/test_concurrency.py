"""Races through the real server with real parallel clients: nothing lost, nothing won twice.

Each test releases all its clients at once (a barrier), so the requests really overlap in the
server, its function workers and the emulator; the assertions count outcomes, never timings.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.reliability.conftest import AppServer

pytestmark = pytest.mark.e2e
TIMEOUT = 60


def at_once[T](count: int, call: Callable[[int], T]) -> list[T]:
    """`call(0..count-1)` on `count` threads released together; the results in order."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def run(index: int) -> T:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def shorten(server: AppServer, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}/shorten", json=body, timeout=TIMEOUT)


def test_200_concurrent_redirects_count_exactly_200_clicks(app_server: AppServer) -> None:
    code = shorten(app_server, {"url": "https://example.com/hot"}).json()["shortCode"]

    responses = at_once(200, lambda _: requests.get(f"{app_server.url}/{code}", allow_redirects=False, timeout=TIMEOUT))

    assert Counter(r.status_code for r in responses) == {301: 200}
    assert {r.headers["Location"] for r in responses} == {"https://example.com/hot"}
    assert requests.get(f"{app_server.url}/links/{code}", timeout=TIMEOUT).json()["clicks"] == 200


def test_50_concurrent_creates_of_one_alias_give_one_201_and_49_409s(app_server: AppServer) -> None:
    alias = f"race-{secrets.token_hex(4)}"

    responses = at_once(50, lambda i: shorten(app_server, {"url": f"https://example.com/{i}", "alias": alias}))

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 49}
    (winner,) = (r for r in responses if r.status_code == 201)
    assert all(r.json() == {"error": f"alias '{alias}' is already taken"} for r in responses if r.status_code == 409)
    # The alias points where the one winner asked, and nobody else's request overwrote it.
    stored = app_server.tables.link(alias)
    assert stored is not None
    assert stored["longUrl"] == winner.json()["longUrl"]
    redirect = requests.get(f"{app_server.url}/{alias}", allow_redirects=False, timeout=TIMEOUT)
    assert redirect.headers["Location"] == winner.json()["longUrl"]


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_20_concurrent_updates_of_one_version_give_one_200_and_19_409s(app_server: AppServer, method: str) -> None:
    user = f"racer-{secrets.token_hex(4)}"
    task = requests.post(f"{app_server.url}/users/{user}/tasks", json={"title": "start"}, timeout=TIMEOUT).json()
    url = f"{app_server.url}/users/{user}/tasks/{task['task_id']}"

    responses = at_once(
        20, lambda i: requests.request(method, url, json={"title": f"writer {i}", "version": 1}, timeout=TIMEOUT)
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 409: 19}
    (winner,) = (r.json() for r in responses if r.status_code == 200)
    assert winner["version"] == 2
    final = requests.get(url, timeout=TIMEOUT).json()
    assert (final["version"], final["title"]) == (2, winner["title"])
    # Every loser is told the task moved on and sees the state the winner left (version 2).
    assert all(r.json()["task"]["version"] == 2 for r in responses if r.status_code == 409)


def test_100_concurrent_shortens_never_overwrite_each_other(app_server: AppServer) -> None:
    run = secrets.token_hex(4)
    urls = [f"https://example.com/{run}/{i}" for i in range(100)]

    responses = at_once(100, lambda i: shorten(app_server, {"url": urls[i]}))

    assert Counter(r.status_code for r in responses) == {201: 100}
    codes = [r.json()["shortCode"] for r in responses]
    assert len(set(codes)) == 100
    for code, url in zip(codes, urls, strict=True):
        stored = app_server.tables.link(code)
        assert stored is not None
        assert stored["longUrl"] == url
        assert int(stored["clicks"]) == 0
