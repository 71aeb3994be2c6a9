"""Identifiers: new ones that sort by creation time (ULIDs), and what a valid user or task id is."""

from __future__ import annotations

import re
import secrets
import time

from common import errors

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
# User ids come from the path (or the token's `sub`): they also name S3 key prefixes.
USER_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_id() -> str:
    """A 26-character ULID: 48 bits of milliseconds, then 80 random bits, in Crockford base32."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def validate_user_id(value: str) -> str:
    """`value` if it can be a user id (it names S3 prefixes too), else BadRequest."""
    if not USER_ID_PATTERN.fullmatch(value):
        raise errors.BadRequest("user_id must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'")
    return value


def validate_task_id(value: str) -> str:
    """`value` if it is a ULID (what every task id is), else BadRequest."""
    if not ID_PATTERN.fullmatch(value):
        raise errors.BadRequest("task_id is malformed")
    return value
