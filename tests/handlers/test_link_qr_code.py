"""GET /links/{shortCode}/qr.svg, through LinkQrCodeFunction, against the emulator."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import segno

from devkit.emulator import Emulator
from devkit.events import qr_event, shorten_event
from tests.conftest import Invoke
from tests.support.links_table import put_link
from tests.support.qr_svg import dark_modules, elements, matrix_modules

FUNCTION = "LinkQrCodeFunction"
BORDER = 4  # the quiet zone the QR code standard asks for, in modules


def assert_qr_encodes(svg: str, text: str) -> None:
    """The SVG's modules are exactly segno's matrix for `text` at one of the four error levels.

    Not a camera-grade decode, but the same conclusion: a matrix is a deterministic function of
    (text, level, mask), segno picks the mask deterministically, and no other text gives the
    same modules.
    """
    drawn = dark_modules(svg, border=BORDER)
    candidates = [segno.make_qr(text, error=level, boost_error=False) for level in "LMQH"]
    assert any(drawn == matrix_modules(qr) for qr in candidates), f"the QR code does not encode {text!r}"


def shorten(invoke_function: Invoke, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = invoke_function("ShortenLinkFunction", shorten_event(body), **kwargs)
    assert response["statusCode"] == 201, response["body"]
    created: dict[str, Any] = json.loads(response["body"])
    return created


def test_qr_code_is_a_cacheable_svg_of_the_short_url(invoke_function: Invoke, aws: Emulator) -> None:
    created = shorten(invoke_function, {"url": "https://example.com/a/long/path"})

    response = invoke_function(FUNCTION, qr_event(created["shortCode"]))

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "image/svg+xml"
    assert response["headers"]["Cache-Control"] == "public, max-age=86400"
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    assert response["headers"]["Content-Security-Policy"] == "default-src 'none'"
    assert_qr_encodes(response["body"], created["shortUrl"])


def test_qr_code_uses_the_custom_domain_when_one_is_set(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "promo", "https://example.com/", created_at=1)

    response = invoke_function(FUNCTION, qr_event("promo"), env={"SHORT_URL_BASE": "https://sho.rt"})

    assert_qr_encodes(response["body"], "https://sho.rt/promo")


def test_qr_code_svg_is_only_shapes(invoke_function: Invoke, aws: Emulator) -> None:
    # Nothing that could run or load anything, and no text: the URL exists only as modules.
    put_link(aws, "abc1234", "https://example.com/<script>alert(1)</script>", created_at=1)

    response = invoke_function(FUNCTION, qr_event("abc1234"))

    assert set(elements(response["body"])) <= {"svg", "g", "path"}
    assert "example.com" not in response["body"]
    assert "abc1234" not in response["body"]


def test_qr_code_is_one_dynamodb_read(invoke_function: Invoke, aws: Emulator, dynamodb_calls: list[str]) -> None:
    put_link(aws, "abc1234", "https://example.com/", created_at=1)

    invoke_function(FUNCTION, qr_event("abc1234"))

    assert dynamodb_calls == ["GetItem"]


@pytest.mark.parametrize("code", ["nope123", "bad code", "x"])
def test_unknown_code_is_404_and_not_cached(invoke_function: Invoke, aws: Emulator, code: str) -> None:
    response = invoke_function(FUNCTION, qr_event(code))

    assert response["statusCode"] == 404
    assert response["headers"]["Cache-Control"] == "no-store"
    assert json.loads(response["body"]) == {"error": "No link with this code"}


def test_expired_link_is_410(invoke_function: Invoke, aws: Emulator) -> None:
    put_link(aws, "old1234", "https://example.com/", created_at=1, expires_at=int(time.time()) - 60)

    response = invoke_function(FUNCTION, qr_event("old1234"))

    assert response["statusCode"] == 410
