"""Everything about the Links table: what a valid link is, creating one, counting a click, reading it.

Item shape: `shortCode` (key), `longUrl`, `createdAt` (epoch s), `expiresAt` (epoch s, the
table's TTL attribute; absent = never), `clicks` (number).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import string
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from botocore.exceptions import ClientError

from common import clock, dynamo, errors

TABLE_VARIABLE = "LINKS_TABLE"
CODE_LENGTH = 7
CODE_ALPHABET = string.ascii_letters + string.digits
CREATE_ATTEMPTS = 5
MAX_URL_LENGTH = 2048
MAX_EXPIRY_DAYS = 3650
ALIAS_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,32}")
# A code that can be looked up: anything an alias or a random code could be.
_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,32}")
_HOST_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_ASCII_HOST = re.compile(rf"{_HOST_LABEL}(\.{_HOST_LABEL})*\.?")
# Characters a browser would percent-encode itself; encoding them keeps Location headers and
# stored URLs plain ASCII with nothing that could break out of a header or an HTML attribute.
_UNSAFE_URL_CHARS = frozenset('"<>\\^`{|}')

# Paths the API or the web page use, case-insensitively: a code must never shadow them.
RESERVED_CODES = frozenset(
    {"links", "shorten", "users", "api", "admin", "static", "assets", "health", "index.html",
     "favicon.ico", "robots.txt", "qr.svg", "www"}
)  # fmt: skip


@dataclass(frozen=True)
class Link:
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


def normalize_url(value: object, *, own_hosts: Collection[str] = ()) -> str:
    """The URL a link may point to, as plain ASCII, or `BadRequest` saying what is wrong.

    `own_hosts` are `host[:port]` strings of this API: a link to them would loop.
    """
    if not isinstance(value, str):
        raise errors.BadRequest("url must be a string")
    url = value.strip()
    if not url:
        raise errors.BadRequest("url must not be empty")
    if len(url) > MAX_URL_LENGTH:
        raise errors.BadRequest(f"url must be at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in url):
        raise errors.BadRequest("url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed [IPv6] literal
        raise errors.BadRequest("url is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise errors.BadRequest("url must start with http:// or https://")
    if "@" in parts.netloc:
        raise errors.BadRequest("url must not contain a user name or password")
    host = _ascii_host(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        raise errors.BadRequest("url has an invalid port") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    if _is_own_host(host, port or (443 if scheme == "https" else 80), own_hosts):
        raise errors.BadRequest("url must not point at this service")
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    normalized = f"{scheme}://{netloc}{''.join(_encode_url_char(ch) for ch in rest)}"
    if len(normalized) > MAX_URL_LENGTH:
        raise errors.BadRequest(f"url must be at most {MAX_URL_LENGTH} characters once encoded")
    return normalized


def _ascii_host(hostname: str | None) -> str:
    """The host in ASCII (IDNA/punycode, so look-alike letters show as `xn--`), or BadRequest."""
    if not hostname:
        raise errors.BadRequest("url must include a host")
    if ":" in hostname:  # urlsplit strips the brackets of an IPv6 literal
        try:
            return str(ipaddress.IPv6Address(hostname))
        except ValueError:
            raise errors.BadRequest("url has an invalid host") from None
    try:
        host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise errors.BadRequest("url has an invalid host") from None
    if not _ASCII_HOST.fullmatch(host):
        raise errors.BadRequest("url has an invalid host")
    return host


def _is_own_host(host: str, port: int, own_hosts: Collection[str]) -> bool:
    for own in own_hosts:
        own_parts = urlsplit(f"//{own.lower()}")
        own_port = own_parts.port if own_parts.port is not None else port
        if own_parts.hostname == host.rstrip(".") and own_port == port:
            return True
    return False


def _encode_url_char(ch: str) -> str:
    return quote(ch, safe="") if ord(ch) > 126 or ch in _UNSAFE_URL_CHARS else ch


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
        except ClientError as error:
            if not dynamo.is_condition_failure(error):
                raise
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


def service_hosts(request_base_url: str) -> list[str]:
    """`host[:port]` of every address this service answers on: links to them would loop."""
    bases = [request_base_url, os.environ.get("SHORT_URL_BASE", "")]
    return [urlsplit(base).netloc for base in bases if base]


def short_url(short_code: str, request_base_url: str) -> str:
    """The public short URL: the `ShortUrlBase` parameter (a custom domain) or this API's own URL."""
    base = os.environ.get("SHORT_URL_BASE") or request_base_url
    return f"{base.rstrip('/')}/{short_code}"
