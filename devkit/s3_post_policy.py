"""Check a browser's S3 POST upload against its presigned policy, as S3 does for SigV4 POSTs.

moto stores whatever is POSTed to a bucket: no signature, expiry, key, content type or size
check. The local gateway calls `check_post` on the form first and, when it returns an error,
answers with `error.to_xml()` and `error.status` instead of handing the upload on, so `make run`
refuses exactly the uploads S3 would refuse, with S3's own error codes and messages.

Order of checks (as S3 reports them): required fields, the policy document, the credential and
signature, expiry, every condition, fields no condition covers, then the file's size.
Self-contained on purpose: no imports from the rest of devserver or the app.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

ALGORITHM = "AWS4-HMAC-SHA256"
# Form fields no condition needs to cover (S3: the signature, the file, the policy, x-ignore-*).
_UNCOVERED = frozenset({"x-amz-signature", "file", "policy"})
_REQUIRED = ("key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")

type SecretLookup = Mapping[str, str] | Callable[[str], str | None]


@dataclass(frozen=True)
class PostPolicyError:
    """An S3 error response: what S3 answers a POST its policy does not allow."""

    code: str
    message: str
    status: int
    details: Mapping[str, str] = field(default_factory=dict)  # extra elements, e.g. MaxSizeAllowed

    def to_xml(self, request_id: str = "0000000000000000") -> str:
        """The error document S3 sends, `<Error><Code>...</Code><Message>...</Message>...</Error>`."""
        extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in self.details.items())
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>{extra}"
            f"<RequestId>{escape(request_id)}</RequestId><HostId>{escape(request_id)}</HostId></Error>"
        )


def check_post(
    fields: Mapping[str, str],
    *,
    bucket: str,
    file_size: int,
    secrets: SecretLookup,
    region: str = "us-east-1",
    now: datetime | None = None,
) -> PostPolicyError | None:
    """None if S3 would accept this POST of a `file_size`-byte file to `bucket`, else S3's error.

    `fields` are the form's fields other than the file (names as sent; S3 compares them without
    regard to case). `secrets` maps an access key id to its secret key: the keys the functions
    sign with (the emulator's, or SAM's local defaults).
    """
    form = {name.lower(): value for name, value in fields.items()}
    return (
        _required_fields(form)
        or _signature(form, secrets, region)
        or _policy_rules(form, bucket=bucket, file_size=file_size, now=now or datetime.now(UTC))
    )


# --- the steps ----------------------------------------------------------------------------------


def _required_fields(form: Mapping[str, str]) -> PostPolicyError | None:
    for name in _REQUIRED:
        if name not in form:
            return PostPolicyError(
                "InvalidArgument",
                f"Bucket POST must contain a field named '{name}'.  "
                "If it is specified, please check the order of the fields.",
                400,
                {"ArgumentName": name, "ArgumentValue": ""},
            )
    if form["x-amz-algorithm"] != ALGORITHM:
        return PostPolicyError(
            "InvalidArgument",
            "Unsupported algorithm, only AWS4-HMAC-SHA256 is supported.",
            400,
            {"ArgumentName": "x-amz-algorithm", "ArgumentValue": form["x-amz-algorithm"]},
        )
    return None


def _signature(form: Mapping[str, str], secrets: SecretLookup, region: str) -> PostPolicyError | None:
    parts = form["x-amz-credential"].split("/")
    if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
        return PostPolicyError(
            "InvalidArgument",
            "Invalid argument.",
            400,
            {"ArgumentName": "x-amz-credential", "ArgumentValue": form["x-amz-credential"]},
        )
    access_key, date, scope_region, service, _ = parts
    if scope_region != region:
        return PostPolicyError(
            "AuthorizationQueryParametersError",
            f"Error parsing the X-Amz-Credential parameter; the region '{scope_region}' is wrong; expecting '{region}'",
            400,
            {"Region": region},
        )
    secret = secrets.get(access_key) if isinstance(secrets, Mapping) else secrets(access_key)
    if secret is None:
        return PostPolicyError(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
            {"AWSAccessKeyId": access_key},
        )
    key = _signing_key(secret, date, scope_region, service)
    expected = hmac.new(key, form["policy"].encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, form["x-amz-signature"].lower()) or not form["x-amz-date"].startswith(date):
        return PostPolicyError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            403,
            {
                "AWSAccessKeyId": access_key,
                "StringToSign": form["policy"],
                "SignatureProvided": form["x-amz-signature"],
            },
        )
    return None


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4's key derivation: HMAC-SHA256 chained over date, region, service and "aws4_request"."""
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _policy_rules(form: Mapping[str, str], *, bucket: str, file_size: int, now: datetime) -> PostPolicyError | None:
    document = _document(form["policy"])
    if isinstance(document, PostPolicyError):
        return document
    expiration, conditions = document
    if now >= expiration:
        return _denied("Invalid according to Policy: Policy expired.")
    return _conditions(form, conditions, bucket=bucket, file_size=file_size)


def _document(policy_b64: str) -> tuple[datetime, list[Any]] | PostPolicyError:
    """The policy's expiration and conditions, or InvalidPolicyDocument."""
    policy = _decode(policy_b64)
    if isinstance(policy, PostPolicyError):
        return policy
    expiration = _expiration(policy.get("expiration"))
    if expiration is None:
        return _invalid_policy(f"Invalid 'expiration' value: '{policy.get('expiration')}'")
    conditions = policy.get("conditions")
    if not isinstance(conditions, list):
        return _invalid_policy("Policy missing conditions.")
    return expiration, conditions


def _conditions(
    form: Mapping[str, str], conditions: list[Any], *, bucket: str, file_size: int
) -> PostPolicyError | None:
    """Every condition holds, every field is covered by one, and the file fits content-length-range."""
    values = {**form, "bucket": bucket}  # the bucket is named by the URL, not by a field
    covered: set[str] = set()
    size_range: tuple[int, int] | None = None
    for condition in conditions:
        parsed = _condition(condition)
        if isinstance(parsed, PostPolicyError):
            return parsed
        operator, name, expected, shown = parsed
        if operator == "content-length-range":
            size_range = (int(name), int(expected))
            continue
        covered.add(name)
        if not _holds(operator, values.get(name), expected, name):
            return _denied(f"Invalid according to Policy: Policy Condition failed: {shown}")
    extra = sorted(
        name for name in form if name not in covered and name not in _UNCOVERED and not name.startswith("x-ignore-")
    )
    if extra:
        return _denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    return _size(file_size, size_range)


def _decode(policy_b64: str) -> dict[str, Any] | PostPolicyError:
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return _invalid_policy("Invalid JSON.")
    if not isinstance(policy, dict):
        return _invalid_policy("Invalid JSON.")
    return policy


def _expiration(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _condition(condition: object) -> tuple[str, str, Any, str] | PostPolicyError:
    """(operator, lower-case field name, value, how S3 quotes it) for `{"field": v}`,
    `["eq"|"starts-with", "$field", v]` and `["content-length-range", min, max]` (min and max in
    the name and value slots)."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        if isinstance(name, str):
            return "eq", name.lower(), value, json.dumps(["eq", f"${name}", value])
    if isinstance(condition, list) and len(condition) == 3:
        operator, subject, value = condition
        if operator == "content-length-range":
            if isinstance(subject, int) and isinstance(value, int) and 0 <= subject <= value:
                return operator, str(subject), value, json.dumps(condition)
        elif operator in ("eq", "starts-with") and isinstance(subject, str) and subject.startswith("$"):
            return operator, subject[1:].lower(), value, json.dumps(condition)
    return _invalid_policy(f"Invalid Policy: Invalid Simple-Condition: {json.dumps(condition)}")


def _holds(operator: str, actual: str | None, expected: Any, name: str) -> bool:
    if not isinstance(expected, str):
        return False
    if operator == "eq":
        return actual == expected
    if actual is None:
        return expected == ""  # starts-with "" matches anything, even a missing field
    # S3 treats a Content-Type of several comma-separated values value by value.
    values = actual.split(",") if name == "content-type" else [actual]
    return all(value.strip().startswith(expected) for value in values)


def _size(file_size: int, size_range: tuple[int, int] | None) -> PostPolicyError | None:
    if size_range is None:
        return None
    low, high = size_range
    if file_size > high:
        return PostPolicyError(
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            400,
            {"ProposedSize": str(file_size), "MaxSizeAllowed": str(high)},
        )
    if file_size < low:
        return PostPolicyError(
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            400,
            {"ProposedSize": str(file_size), "MinSizeAllowed": str(low)},
        )
    return None


def _denied(message: str) -> PostPolicyError:
    return PostPolicyError("AccessDenied", message, 403)


def _invalid_policy(message: str) -> PostPolicyError:
    text = message if message.startswith("Invalid Policy") else f"Invalid Policy: {message}"
    return PostPolicyError("InvalidPolicyDocument", text, 400)
