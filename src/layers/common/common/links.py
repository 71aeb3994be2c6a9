"""Everything about the Links table: the Link, its code and expiry rules, creating and reading one.

What a link may point to is link_urls'; counting clicks (hot links included) is link_clicks'.

Item shape: `shortCode` (key), `longUrl`, `createdAt` (epoch s), `expiresAt` (epoch s, the
table's TTL attribute; absent = never), `clicks` (number).
"""

from __future__ import annotations

import os
import re
import secrets
import string
from typing import Any, NamedTuple

from common import clock, dynamo, errors

TABLE_VARIABLE = "LINKS_TABLE"
CODE_LENGTH = 7
CODE_ALPHABET = string.ascii_letters + string.digits
CREATE_ATTEMPTS = 5
MAX_EXPIRY_DAYS = 3650
ALIAS_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,32}")
# A code that can be looked up: anything an alias or a random code could be.
_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,32}")
# Paths the API or the web page use, case-insensitively: a code must never shadow them.
RESERVED_CODES = frozenset(
    {"links", "shorten", "users", "api", "admin", "static", "assets", "health", "index.html",
     "favicon.ico", "robots.txt", "qr.svg", "www"}
)  # fmt: skip


class Link(NamedTuple):
    short_code: str
    long_url: str
    created_at: int
    expires_at: int | None
    clicks: int = 0

    def is_expired(self, now: int) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def to_json(self) -> dict[str, Any]:
        """The fields every Links response shares, in the API's camelCase."""
        return {
            "shortCode": self.short_code,
            "longUrl": self.long_url,
            "createdAt": clock.iso(self.created_at),
            "expiresAt": clock.iso(self.expires_at) if self.expires_at is not None else None,
        }


def table() -> str:
    """The Links table's name (`LINKS_TABLE`, from the template)."""
    return dynamo.table_name(TABLE_VARIABLE)


def from_item(item: dict[str, Any]) -> Link:
    """A Links table item as a Link."""
    values = dynamo.from_item(item)
    expires_at = values.get("expiresAt")
    return Link(
        short_code=values["shortCode"],
        long_url=values["longUrl"],
        created_at=int(values["createdAt"]),
        expires_at=int(expires_at) if expires_at is not None else None,
        clicks=int(values.get("clicks", 0)),
    )


# --- validation -------------------------------------------------------------------------------


def validate_alias(value: object) -> str:
    """A custom short code: 3 to 32 of `A-Z a-z 0-9 _ -`, not a reserved word."""
    if not isinstance(value, str):
        raise errors.BadRequest("alias must be a string")
    if not ALIAS_PATTERN.fullmatch(value):
        raise errors.BadRequest("alias must be 3 to 32 characters of A-Z, a-z, 0-9, '_' or '-'")
    if value.lower() in RESERVED_CODES:
        raise errors.BadRequest(f"alias '{value}' is reserved")
    return value


def validate_expiry_days(value: object) -> int:
    """Days until a link expires: a whole number from 0 (never) to MAX_EXPIRY_DAYS."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.BadRequest("expiresInDays must be a whole number")
    if not 0 <= value <= MAX_EXPIRY_DAYS:
        raise errors.BadRequest(f"expiresInDays must be between 0 (never) and {MAX_EXPIRY_DAYS}")
    return value


def default_expiry_days() -> int:
    """The template's `DefaultExpiryDays` parameter."""
    return int(os.environ.get("DEFAULT_EXPIRY_DAYS", "365"))


# --- operations -------------------------------------------------------------------------------


def _random_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code.lower() not in RESERVED_CODES:
            return code


def create_link(long_url: str, *, expires_in_days: int, alias: str | None = None) -> Link:
    """Store a new link; never overwrites one. One conditional PutItem per attempt.

    A random code is retried on the (astronomically rare) collision; a taken alias is a 409.
    """
    now = clock.now_epoch()
    expires_at = now + expires_in_days * 86400 if expires_in_days else None
    attempts = 1 if alias else CREATE_ATTEMPTS
    for _ in range(attempts):
        link = Link(alias or _random_code(), long_url, now, expires_at)
        try:
            dynamo.client.put_item(
                TableName=table(),
                Item=dynamo.to_item(
                    {
                        "shortCode": link.short_code,
                        "longUrl": link.long_url,
                        "createdAt": link.created_at,
                        "expiresAt": link.expires_at,
                        "clicks": 0,
                    }
                ),
                ConditionExpression="attribute_not_exists(shortCode)",
            )
            return link
        except dynamo.client.exceptions.ConditionalCheckFailedException:
            continue  # the code is taken: another random one, or 409 for an alias
    if alias:
        raise errors.Conflict(f"alias '{alias}' is already taken")
    raise errors.ServiceUnavailable("Could not allocate a short code, retry shortly")


def get_link(short_code: str) -> Link:
    """The link (its own counter only: `link_clicks` adds the shards), or 404/410."""
    check_code(short_code)
    response = dynamo.client.get_item(TableName=table(), Key={"shortCode": {"S": short_code}}, ConsistentRead=True)
    if "Item" not in response:
        raise errors.NotFound("No link with this code")
    link = from_item(response["Item"])
    if link.is_expired(clock.now_epoch()):
        raise errors.Gone("This link has expired")
    return link


def check_code(short_code: str) -> None:
    """404 for a code no link can have, without a DynamoDB call."""
    if not _CODE_PATTERN.fullmatch(short_code):
        raise errors.NotFound("No link with this code")


def short_url(short_code: str, request_base_url: str) -> str:
    """The public short URL: the `ShortUrlBase` parameter (a custom domain) or this API's own URL."""
    base = os.environ.get("SHORT_URL_BASE") or request_base_url
    return f"{base.rstrip('/')}/{short_code}"
