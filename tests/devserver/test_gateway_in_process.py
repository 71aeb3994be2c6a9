"""The gateway without a socket: Flask's test client drives it in-process, with real warm workers on the test emulator.

The fast way to test the API end to end; tests/e2e covers the real server and port.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from devkit.emulator import Emulator
from devkit.stack import Stack
from devserver.gateway import create_gateway
from devserver.runtime import WarmRuntime

BASE_URL = "http://127.0.0.1:3000"


@pytest.fixture(scope="module")
def client(stack: Stack, emulator: Emulator) -> Iterator[Any]:
    runtime = WarmRuntime(stack.root, emulator.endpoint, pool_size=2)
    try:
        yield create_gateway(stack, runtime).app.test_client()
    finally:
        runtime.close()


def test_create_redirect_and_count(client: Any, aws: Emulator) -> None:
    created = client.post("/shorten", json={"url": "https://example.com/p"}, base_url=BASE_URL)
    code = created.get_json()["shortCode"]

    redirect = client.get(f"/{code}", base_url=BASE_URL)
    stats = client.get(f"/links/{code}", base_url=BASE_URL)

    assert created.status_code == 201
    assert created.get_json()["shortUrl"] == f"{BASE_URL}/{code}"
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://example.com/p"
    assert stats.get_json()["clicks"] == 1


def test_an_expired_link_is_gone(client: Any, aws: Emulator) -> None:
    code = client.post("/shorten", json={"url": "https://example.com/x", "expiresInDays": 1}).get_json()["shortCode"]
    aws.dynamodb().update_item(
        TableName="LinksTable",
        Key={"shortCode": {"S": code}},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )

    response = client.get(f"/{code}")

    assert response.status_code == 410
    assert "error" in response.get_json()


def test_unknown_routes_get_api_gateways_404(client: Any, aws: Emulator) -> None:
    assert client.get("/a/b/c").get_json() == {"message": "Not Found"}
    assert client.put("/shorten").status_code == 404
