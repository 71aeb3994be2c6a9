"""POST /shorten, through ShortenLinkFunction as the template defines it, against the emulator."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

import pytest

from devkit.emulator import Emulator
from devkit.events import redirect_event, shorten_event
from tests.conftest import Invoke
from tests.support.links_table import count_links, get_item, put_link

FUNCTION = "ShortenLinkFunction"
API_HOST = "abcdef1234.execute-api.us-east-1.amazonaws.com"  # the sample events' host


def shorten(invoke_function: Invoke, body: Any = None, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    response = invoke_function(FUNCTION, shorten_event(body), env)
    return response["statusCode"], json.loads(response["body"])


def test_creates_a_link_with_a_random_7_character_base62_code(invoke_function: Invoke, aws: Emulator) -> None:
    response = invoke_function(FUNCTION, shorten_event({"url": "https://example.com/very/long/url"}))

    assert response["statusCode"] == 201
    body = json.loads(response["body"])
    assert re.fullmatch(r"[A-Za-z0-9]{7}", body["shortCode"])
    assert body["shortUrl"] == f"https://{API_HOST}/{body['shortCode']}"
    assert body["longUrl"] == "https://example.com/very/long/url"
    assert set(body) == {"shortCode", "shortUrl", "longUrl", "createdAt", "expiresAt"}
    item = get_item(aws, body["shortCode"])
    assert item is not None
    assert item["longUrl"] == {"S": "https://example.com/very/long/url"}
    assert item["clicks"] == {"N": "0"}


def test_default_expiry_comes_from_the_template_parameter(invoke_function: Invoke, aws: Emulator) -> None:
    before = int(time.time())
    _, body = shorten(invoke_function, {"url": "https://example.com/"})

    item = get_item(aws, body["shortCode"])
    assert item is not None
    expires_at = int(item["expiresAt"]["N"])
    assert before + 365 * 86400 <= expires_at <= int(time.time()) + 365 * 86400
    assert body["expiresAt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at))


def test_expires_in_days_zero_means_never(invoke_function: Invoke, aws: Emulator) -> None:
    status, body = shorten(invoke_function, {"url": "https://example.com/", "expiresInDays": 0})

    assert status == 201
    assert body["expiresAt"] is None
    item = get_item(aws, body["shortCode"])
    assert item is not None
    assert "expiresAt" not in item


def test_the_same_url_twice_gives_two_links_and_keeps_the_first_ones_clicks(
    invoke_function: Invoke, aws: Emulator
) -> None:
    _, first = shorten(invoke_function, {"url": "https://example.com/same"})
    invoke_function("RedirectLinkFunction", redirect_event(first["shortCode"]))

    _, second = shorten(invoke_function, {"url": "https://example.com/same"})

    assert second["shortCode"] != first["shortCode"]
    item = get_item(aws, first["shortCode"])
    assert item is not None
    assert item["clicks"] == {"N": "1"}


def test_short_url_uses_the_short_url_base_parameter_when_set(invoke_function: Invoke) -> None:
    status, body = shorten(invoke_function, {"url": "https://example.com/"}, env={"SHORT_URL_BASE": "https://sho.rt"})

    assert status == 201
    assert body["shortUrl"] == f"https://sho.rt/{body['shortCode']}"


def test_non_ascii_urls_are_stored_percent_encoded_with_punycode_hosts(invoke_function: Invoke) -> None:
    _, body = shorten(invoke_function, {"url": "https://bücher.example/straße?q=ü"})

    assert body["longUrl"] == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC"


# --- aliases ----------------------------------------------------------------------------------


def test_alias_becomes_the_short_code(invoke_function: Invoke) -> None:
    status, body = shorten(invoke_function, {"url": "https://example.com/", "alias": "my-Link_1"})

    assert status == 201
    assert body["shortCode"] == "my-Link_1"


def test_taken_alias_is_409_and_the_existing_link_is_untouched(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "taken", "https://first.example/", created_at=1, clicks=7)

    status, body = shorten(invoke_function, {"url": "https://second.example/", "alias": "taken"})

    assert status == 409
    assert "taken" in body["error"]
    assert get_item(aws, "taken") == {
        "shortCode": {"S": "taken"},
        "longUrl": {"S": "https://first.example/"},
        "createdAt": {"N": "1"},
        "clicks": {"N": "7"},
    }


# --- collisions -------------------------------------------------------------------------------


@pytest.fixture
def scripted_codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make `secrets.choice` spell out the given codes, one character at a time."""
    codes: list[str] = []

    def choice(_alphabet: str) -> str:
        return next(characters)

    characters = (ch for code in iter(lambda: codes.pop(0), None) for ch in code)
    monkeypatch.setattr(secrets, "choice", choice)
    return codes


def test_a_colliding_random_code_is_retried_and_never_overwrites(
    invoke_function: Invoke, aws: Emulator, scripted_codes: list[str], dynamodb_calls: list[str]
) -> None:
    put_link(aws, "AAAAAAA", "https://existing.example/", created_at=1, clicks=3)
    scripted_codes.extend(["AAAAAAA", "BBBBBBB"])

    status, body = shorten(invoke_function, {"url": "https://new.example/"})

    assert status == 201
    assert body["shortCode"] == "BBBBBBB"
    assert dynamodb_calls == ["PutItem", "PutItem"]
    existing = get_item(aws, "AAAAAAA")
    assert existing is not None
    assert existing["longUrl"] == {"S": "https://existing.example/"}
    assert existing["clicks"] == {"N": "3"}


def test_when_every_attempt_collides_the_client_gets_503_and_nothing_is_overwritten(
    invoke_function: Invoke, aws: Emulator, scripted_codes: list[str]
) -> None:
    put_link(aws, "AAAAAAA", "https://existing.example/", created_at=1)
    scripted_codes.extend(["AAAAAAA"] * 5)

    response = invoke_function(FUNCTION, shorten_event({"url": "https://new.example/"}))

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert count_links(aws) == 1


def test_shorten_makes_one_dynamodb_call(invoke_function: Invoke, dynamodb_calls: list[str]) -> None:
    status, _ = shorten(invoke_function, {"url": "https://example.com/"})

    assert status == 201
    assert dynamodb_calls == ["PutItem"]


# --- bad input --------------------------------------------------------------------------------

LONG_URL = "https://example.com/" + "a" * 2029  # 2049 characters


# One case per rule: every URL rule is in tests/unit/test_link_urls.py, aliases in test_links.py.
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing field: url"),
        ({"url": "https://example.com/", "extra": 1}, "Unknown field(s): extra"),
        ({"url": 42}, "url must be a string"),
        ({"url": ""}, "url must not be empty"),
        ({"url": "javascript:alert(1)"}, "http:// or https://"),
        ({"url": "https:///path-only"}, "must include a host"),
        ({"url": LONG_URL}, "at most 2048 characters"),
        ({"url": "https://user:secret@example.com/"}, "user name or password"),
        ({"url": f"https://{API_HOST.upper()}:443/x"}, "must not point at this service"),
        ({"url": "https://example.com/\r\nSet-Cookie: a=b"}, "control characters"),
        ({"url": "https://example.com:0/"}, "invalid port"),
        ({"url": "http://[::1]x/"}, "invalid host"),
        ({"url": "https://example.com/", "alias": "links"}, "alias 'links' is reserved"),
        ({"url": "https://example.com/", "expiresInDays": 3651}, "expiresInDays must be between"),
        ({"url": "https://example.com/", "expiresInDays": "7"}, "expiresInDays must be a whole number"),
        ([], "must be a JSON object"),
    ],
)
def test_bad_body_is_400_naming_the_problem_and_stores_nothing(
    invoke_function: Invoke, aws: Emulator, body: Any, message: str
) -> None:
    event = shorten_event(raw_body=json.dumps(body), headers={"content-type": "application/json"})

    response = invoke_function(FUNCTION, event)

    assert response["statusCode"] == 400
    assert message in json.loads(response["body"])["error"]
    assert count_links(aws) == 0


def test_this_service_under_another_spelling_of_its_own_address_is_400(invoke_function: Invoke, aws: Emulator) -> None:
    # `make run` on 127.0.0.1:3000: localhost:3000 is the same service, and a link there would loop.
    headers = {"host": "127.0.0.1:3000", "x-forwarded-proto": "http"}
    event = shorten_event({"url": "http://localhost:3000/abc1234"}, headers=headers)

    response = invoke_function(FUNCTION, event)

    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "url must not point at this service"}
    assert count_links(aws) == 0


@pytest.mark.parametrize(
    ("raw_body", "status", "message"),
    [
        ("{not json", 400, "not valid JSON"),
        ("", 400, "not valid JSON"),
        ('{"url": NaN}', 400, "not valid JSON"),
        ("[" * 5000 + "]" * 5000, 400, "must be a JSON object"),
        ('{"url":' + "[" * 5000 + "]" * 5000 + "}", 400, "url must be a string"),
        (b'{"url": "https://example.com/\xff"}', 400, "not valid UTF-8"),
        ('{"url": "https://example.com/", "pad": "' + "x" * 10240 + '"}', 413, "at most 10240 bytes"),
    ],
    ids=["malformed", "empty", "nan", "deep-array", "deep-field", "invalid-utf8", "oversized"],
)
def test_unreadable_body_is_a_clear_4xx(
    invoke_function: Invoke, aws: Emulator, raw_body: str | bytes, status: int, message: str
) -> None:
    event = shorten_event(raw_body=raw_body, headers={"content-type": "application/json"})

    response = invoke_function(FUNCTION, event)

    assert response["statusCode"] == status
    assert message in json.loads(response["body"])["error"]
    assert count_links(aws) == 0


def test_invalid_base64_body_is_400(invoke_function: Invoke) -> None:
    event = shorten_event(raw_body="x", headers={"content-type": "application/json"})
    event["isBase64Encoded"] = True
    event["body"] = "%%%not-base64"

    response = invoke_function(FUNCTION, event)

    assert response["statusCode"] == 400
    assert "base64" in json.loads(response["body"])["error"]


def test_a_body_without_a_content_type_is_read_as_json(invoke_function: Invoke, aws: Emulator) -> None:
    event = shorten_event(raw_body='{"url": "https://example.com/no-type"}')

    response = invoke_function(FUNCTION, event)

    assert response["statusCode"] == 201
    assert count_links(aws) == 1


def test_a_form_post_is_415_and_says_how_to_send_json(invoke_function: Invoke, aws: Emulator) -> None:
    event = shorten_event(
        raw_body="url=https://example.com/", headers={"content-type": "application/x-www-form-urlencoded"}
    )

    response = invoke_function(FUNCTION, event)

    assert response["statusCode"] == 415
    assert json.loads(response["body"]) == {
        "error": "Content-Type must be application/json (with curl: -H 'Content-Type: application/json')"
    }
    assert count_links(aws) == 0


def test_an_unexpected_failure_is_a_bare_500_logged_with_the_request_id(
    invoke_function: Invoke, aws: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    from common.observability import logger  # noqa: PLC0415 - formats records as Lambda would print them

    aws.dynamodb().delete_table(TableName="LinksTable")  # the write now fails in a way we don't expect

    response = invoke_function(FUNCTION, shorten_event({"url": "https://example.com/"}))

    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"error": "Internal server error"}
    errors = [json.loads(logger.registered_formatter.format(r)) for r in caplog.records if r.levelname == "ERROR"]
    assert errors, caplog.records
    assert errors[0]["correlation_id"] == "JKJaXmPLvHcESHA="  # the sample event's API request id
    assert "ResourceNotFoundException" in errors[0]["exception"]
