"""GET /, through WebPageFunction: one small self-contained page under a strict CSP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devkit.emulator import Emulator
from devkit.events import sample_event, shorten_event
from tests.conftest import Invoke
from tests.support.page_html import PageParts, csp_directives, csp_hash

FUNCTION = "WebPageFunction"
MAX_PAGE_BYTES = 30 * 1024


type Page = dict[str, Any]


@pytest.fixture
def page(invoke_function: Invoke) -> Page:
    response: Page = invoke_function(FUNCTION, sample_event("web_page"))
    return response


def test_page_is_small_html(page: Page) -> None:
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert page["body"].startswith("<!doctype html>")
    assert len(page["body"].encode()) < MAX_PAGE_BYTES


def test_page_is_cached_briefly_and_hardened(page: Page) -> None:
    assert page["headers"]["Cache-Control"] == "public, max-age=300"
    assert page["headers"]["X-Content-Type-Options"] == "nosniff"
    assert page["headers"]["Referrer-Policy"] == "no-referrer"


def test_csp_is_strict(page: Page) -> None:
    csp = csp_directives(page["headers"]["Content-Security-Policy"])

    assert csp.pop("script-src")
    assert csp.pop("style-src")
    assert csp == {
        "default-src": ["'none'"],
        "connect-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }


def test_csp_allows_exactly_the_page_inline_script_and_style(page: Page) -> None:
    csp = csp_directives(page["headers"]["Content-Security-Policy"])
    parts = PageParts(page["body"])

    assert parts.inline["script"]
    assert parts.inline["style"]
    assert csp["script-src"] == [csp_hash(script) for script in parts.inline["script"]]
    assert csp["style-src"] == [csp_hash(style) for style in parts.inline["style"]]


def test_page_has_nothing_the_csp_would_block(page: Page) -> None:
    # Hash-based CSP blocks event-handler and style attributes and any external file: the page
    # must need none of them, or it would break silently in the browser.
    for tag, attributes in PageParts(page["body"]).tags:
        assert not [name for name in attributes if name.startswith("on") or name == "style"], tag
        assert "src" not in attributes or tag == "img", tag
        for name in ("src", "href", "action"):
            value = attributes.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), f"{tag} {name}={value}"


def test_page_makes_no_dynamodb_calls(
    invoke_function: Invoke, aws: Emulator, dynamodb_calls: list[str], page: Page
) -> None:
    assert dynamodb_calls == []


@pytest.mark.parametrize("alias", ["", "index.html", "favicon.ico", "robots.txt", "qr.svg", "links", "shorten"])
def test_the_page_and_its_paths_cannot_be_taken_by_an_alias(invoke_function: Invoke, aws: Emulator, alias: str) -> None:
    response = invoke_function("ShortenLinkFunction", shorten_event({"url": "https://example.com/", "alias": alias}))

    assert response["statusCode"] == 400
    assert "alias" in json.loads(response["body"])["error"]
