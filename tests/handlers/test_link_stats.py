"""GET /links/{shortCode}, through LinkStatsFunction, against the emulator."""

from __future__ import annotations

import json
import time

from devkit.emulator import Emulator
from devkit.events import redirect_event, shorten_event, stats_event
from tests.conftest import Invoke
from tests.support.links_table import put_link

FUNCTION = "LinkStatsFunction"


def test_stats_show_target_clicks_and_dates(invoke_function: Invoke, aws: Emulator) -> None:
    created = json.loads(
        invoke_function("ShortenLinkFunction", shorten_event({"url": "https://example.com/", "expiresInDays": 7}))[
            "body"
        ]
    )
    code = created["shortCode"]
    for _ in range(3):
        invoke_function("RedirectLinkFunction", redirect_event(code))

    response = invoke_function(FUNCTION, stats_event(code))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "shortCode": code,
        "longUrl": "https://example.com/",
        "clicks": 3,
        "createdAt": created["createdAt"],
        "expiresAt": created["expiresAt"],
    }


def test_stats_are_one_dynamodb_call(invoke_function: Invoke, aws: Emulator, dynamodb_calls: list[str]) -> None:
    put_link(aws, "abc1234", "https://example.com/", created_at=1)

    invoke_function(FUNCTION, stats_event("abc1234"))

    assert dynamodb_calls == ["BatchGetItem"]  # the link and its click-counter shards


def test_unknown_code_is_404(invoke_function: Invoke, aws: Emulator) -> None:
    response = invoke_function(FUNCTION, stats_event("nope123"))

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"error": "No link with this code"}


def test_expired_link_is_410(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "old1234", "https://example.com/", created_at=1, expires_at=int(time.time()) - 60)

    response = invoke_function(FUNCTION, stats_event("old1234"))

    assert response["statusCode"] == 410
