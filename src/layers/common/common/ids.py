"""Identifiers that sort by creation time (ULIDs), so a table's sort key orders items by age."""

from __future__ import annotations

import re
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
# User ids come from the path (or the token's `sub`): they also name S3 key prefixes.
USER_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_id() -> str:
    """A 26-character ULID: 48 bits of milliseconds, then 80 random bits, in Crockford base32."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
