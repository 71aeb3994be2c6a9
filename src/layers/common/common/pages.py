"""Paging through a user's items: how many per page, and opaque, tamper-evident page tokens.

A token is `<payload>.<signature>`: the payload is DynamoDB's `LastEvaluatedKey` sort key, the
signature an HMAC over the user id and the payload. A token edited by hand or minted for another
user fails the check and is refused with 400, never run as a query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from common import errors

DEFAULT_SIZE = 50
MAX_SIZE = 100
SIGNATURE_BYTES = 16


def validate_page_size(value: str | None) -> int:
    """`?limit=`: a whole number from 1 to MAX_SIZE (DEFAULT_SIZE when absent), else BadRequest."""
    if value is None:
        return DEFAULT_SIZE
    # isascii: "²" is a digit to isdigit() but not to int(). The length first: int() refuses strings
    # of more than 4300 digits with ValueError (CPython's guard against quadratic conversion).
    digits = value.isascii() and value.isdigit() and len(value) <= len(str(MAX_SIZE))
    if not digits or not 1 <= int(value) <= MAX_SIZE:
        raise errors.BadRequest(f"limit must be a whole number from 1 to {MAX_SIZE}")
    return int(value)


def _key() -> bytes:
    # The template derives PAGE_TOKEN_KEY from the stack's own random id: unknown to API clients.
    return os.environ.get("PAGE_TOKEN_KEY", "local-page-token-key").encode()


def _sign(user_id: str, payload: str) -> str:
    digest = hmac.new(_key(), f"{user_id}\n{payload}".encode(), hashlib.sha256).digest()
    return _b64(digest[:SIGNATURE_BYTES])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode(user_id: str, position: str) -> str:
    """A token that resumes a listing of `user_id`'s items after `position`."""
    payload = _b64(position.encode())
    return f"{payload}.{_sign(user_id, payload)}"


def decode(user_id: str, token: str) -> str:
    """The position a token resumes from, or `BadRequest` if it is not one we issued for this user."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not hmac.compare_digest(signature.encode(), _sign(user_id, payload).encode()):
        raise errors.BadRequest("next_token is invalid")
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise errors.BadRequest("next_token is invalid") from None
