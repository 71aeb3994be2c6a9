"""GET /{shortCode}, through RedirectLinkFunction, against the emulator."""

from __future__ import annotations

import json
import time

import pytest

from devkit.emulator import Emulator
from devkit.events import redirect_event
from tests.conftest import Invoke
from tests.support.links_table import get_item, put_link

FUNCTION = "RedirectLinkFunction"


def clicks(aws: Emulator, code: str) -> int:
    item = get_item(aws, code)
    assert item is not None
    return int(item["clicks"]["N"])


def test_redirects_with_301_location_and_a_short_private_cache(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "abc1234", "https://example.com/target?q=1", created_at=1)

    response = invoke_function(FUNCTION, redirect_event("abc1234"))

    assert response["statusCode"] == 301
    assert response["headers"]["Location"] == "https://example.com/target?q=1"
    assert response["headers"]["Cache-Control"] == "private, max-age=90"


def test_every_redirect_counts_exactly_one_click(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "abc1234", "https://example.com/", created_at=1, expires_at=int(time.time()) + 3600)

    for _ in range(25):
        assert invoke_function(FUNCTION, redirect_event("abc1234"))["statusCode"] == 301

    assert clicks(aws, "abc1234") == 25


def test_a_redirect_is_one_dynamodb_call(invoke_function: Invoke, aws: Emulator, dynamodb_calls: list[str]) -> None:
    put_link(aws, "abc1234", "https://example.com/", created_at=1)

    invoke_function(FUNCTION, redirect_event("abc1234"))

    assert dynamodb_calls == ["UpdateItem"]


def test_unknown_code_is_404_json(invoke_function: Invoke, aws: Emulator, dynamodb_calls: list[str]) -> None:
    response = invoke_function(FUNCTION, redirect_event("nope123"))

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"error": "No link with this code"}
    assert dynamodb_calls == ["UpdateItem"]
    assert get_item(aws, "nope123") is None  # ADD on a missing item must not create it


def test_unknown_code_gives_a_browser_a_readable_page(invoke_function: Invoke, aws: Emulator) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    response = invoke_function(FUNCTION, redirect_event("nope123", headers={"accept": accept}))

    assert response["statusCode"] == 404
    assert response["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>No link with this code</h1>" in response["body"]


def test_expired_link_returns_410_before_ttl_deletes_it(invoke_function: Invoke, aws: Emulator) -> None:
    # DynamoDB TTL deletes items up to days late: the item is still there, but expired.
    put_link(aws, "old1234", "https://example.com/", created_at=1, expires_at=int(time.time()) - 1, clicks=4)

    response = invoke_function(FUNCTION, redirect_event("old1234"))

    assert response["statusCode"] == 410
    assert json.loads(response["body"]) == {"error": "This link has expired"}
    assert clicks(aws, "old1234") == 4


def test_expired_link_gives_a_browser_a_readable_410_page(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "old1234", "https://example.com/", created_at=1, expires_at=int(time.time()) - 1)

    response = invoke_function(FUNCTION, redirect_event("old1234", headers={"accept": "text/html"}))

    assert response["statusCode"] == 410
    assert "<h1>This link has expired</h1>" in response["body"]


@pytest.mark.parametrize("code", ["a", "x" * 33, "a.b", "..%2f..%2fetc", "<script>", "abc 123", "ç" * 7])
def test_a_code_no_link_can_have_is_404_without_touching_dynamodb(
    invoke_function: Invoke, aws: Emulator, dynamodb_calls: list[str], code: str
) -> None:
    response = invoke_function(FUNCTION, redirect_event(code))

    assert response["statusCode"] == 404
    assert dynamodb_calls == []
