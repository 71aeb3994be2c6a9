"""A viral link through `make run`: 200 concurrent redirects while the emulator throttles each item
above 10 writes/s (DynamoDB's ~1,000/s partition limit, scaled down). Every redirect succeeds
with the right Location, and the stats count every click exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devkit.local_server import LocalStack, free_port

CLICKS = 200


@pytest.mark.e2e
def test_200_concurrent_redirects_of_a_throttled_link_all_succeed_and_all_count() -> None:
    emulator_port = free_port()
    with LocalStack(None, "--item-write-limit", "10", "--emulator-port", str(emulator_port)) as stack:
        created = requests.post(
            f"{stack.url}/shorten", json={"url": "https://example.com/viral", "alias": "viral"}, timeout=10
        )
        assert created.status_code == 201

        def click(_: int) -> tuple[int, str | None]:
            with requests.Session() as session:
                response = session.get(f"{stack.url}/viral", allow_redirects=False, timeout=30)
                return response.status_code, response.headers.get("Location")

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(click, range(CLICKS)))

        assert results == [(301, "https://example.com/viral")] * CLICKS
        throttled = requests.get(f"http://127.0.0.1:{emulator_port}/devserver-api/item-write-limit", timeout=5)
        assert throttled.json()["throttled"] > 0  # the limit really bit: clicks went to shards
        stats = requests.get(f"{stack.url}/links/viral", timeout=10).json()
        assert stats["clicks"] == CLICKS
