"""The one S3 client, the attachments bucket's name, and the few object operations the app uses.

The client is created once per execution environment, on first use, and signs with SigV4 (presigned POSTs and
GETs need it). Its endpoint comes from boto3's own `AWS_ENDPOINT_URL*` variables, as for DynamoDB;
with a custom endpoint botocore addresses buckets path-style, which is what the emulator serves.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from common import aws_errors

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Worst case 3 attempts x (2 s + 5 s) plus backoff stays inside process_upload's 30 s timeout,
# so a stuck S3 fails the invocation (and Lambda retries it) rather than timing it out.
# (`max_attempts` would count retries only: 4 attempts.)
_CONFIG = Config(
    signature_version="s3v4",
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "total_max_attempts": 3},
)


@cache
def client() -> S3Client:
    """The one S3 client, created on first use: functions that never touch S3 (most task reads)
    don't pay for it at cold start (about 15% of one)."""
    return boto3.client("s3", config=_CONFIG)


# Every browser upload carries this tag (the POST policy insists on it); the bucket's lifecycle rule
# expires objects under uploads/ that still carry it a day later, i.e. uploads nobody ever checked.
# process_upload re-tags a file it accepted (`upload=checked`), so accepted files stay.
UPLOAD_TAG = "upload"
UNCHECKED_TAGGING = f"<Tagging><TagSet><Tag><Key>{UPLOAD_TAG}</Key><Value>unchecked</Value></Tag></TagSet></Tagging>"

# Download links are for a page that is open now, not for sharing.
DOWNLOAD_SECONDS = 300
_DELETE_BATCH = 1000  # DeleteObjects' limit per request
_DELETED = frozenset({"NoSuchKey", "404"})
_REPLACED = frozenset({"PreconditionFailed", "412"})  # IfMatch: the key now holds another version


class Gone(enum.Enum):
    """Why an object version asked for is not there."""

    DELETED = "no object at the key"
    REPLACED = "a newer upload replaced it (its own event will come)"


def _gone(error: ClientError) -> Gone | None:
    code = aws_errors.code(error)
    return Gone.DELETED if code in _DELETED else Gone.REPLACED if code in _REPLACED else None


def bucket() -> str:
    """The attachments bucket, from the `BUCKET_NAME` variable the template sets."""
    return os.environ["BUCKET_NAME"]


def upload_form(key: str, *, content_type: str, size: int, expires_in: int) -> dict[str, Any]:
    """A presigned POST (`{"url", "fields"}`) that lets a browser store exactly one file of exactly
    `size` bytes and `content_type` at `key`, for `expires_in` seconds. S3 enforces every condition;
    the signature covers the policy, so the client cannot loosen it."""
    form: dict[str, Any] = client().generate_presigned_post(
        Bucket=bucket(),
        Key=key,  # boto3 adds the exact {"key": ...} and {"bucket": ...} conditions
        Fields={"Content-Type": content_type, "tagging": UNCHECKED_TAGGING},
        Conditions=[
            {"Content-Type": content_type},
            {"tagging": UNCHECKED_TAGGING},
            ["content-length-range", size, size],
        ],
        ExpiresIn=expires_in,
    )
    return {"url": form["url"], "fields": form["fields"]}


def download_url(key: str, *, filename: str | None = None) -> str:
    """A presigned GET for `key`, valid `DOWNLOAD_SECONDS`; with `filename` the browser saves the
    file under that name instead of rendering user content inline from our bucket's origin."""
    params: dict[str, str] = {"Bucket": bucket(), "Key": key}
    if filename is not None:
        params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    url: str = client().generate_presigned_url("get_object", Params=params, ExpiresIn=DOWNLOAD_SECONDS)
    return url


class Head(NamedTuple):
    """The first bytes of an object and what S3 says about the whole of it."""

    data: bytes
    size: int
    etag: str
    content_type: str


def read_head(bucket_name: str, key: str, *, length: int, etag: str | None = None) -> Head | Gone:
    """The first `length` bytes of an object (one ranged GET), or why it is not there: deleted, or no
    longer the version `etag` names."""
    params: dict[str, Any] = {"Bucket": bucket_name, "Key": key, "Range": f"bytes=0-{length - 1}"}
    if etag:
        params["IfMatch"] = _quoted(etag)
    try:
        response = client().get_object(**params)
    except ClientError as error:
        if aws_errors.code(error) == "InvalidRange":  # an empty object has no byte 0 to start from
            return _empty_head(bucket_name, key, etag)
        return _gone_or_raise(error)
    data = response["Body"].read()
    # "bytes 0-31/12345": the total after the slash; no Content-Range when the object is shorter.
    content_range = response.get("ContentRange") or ""
    size = int(content_range.rsplit("/", 1)[1]) if "/" in content_range else len(data)
    return Head(data, size, response["ETag"].strip('"'), response.get("ContentType", ""))


def _empty_head(bucket_name: str, key: str, etag: str | None) -> Head | Gone:
    params: dict[str, Any] = {"Bucket": bucket_name, "Key": key, **({"IfMatch": _quoted(etag)} if etag else {})}
    try:
        meta = client().head_object(**params)
    except ClientError as error:
        return _gone_or_raise(error)
    return Head(b"", int(meta["ContentLength"]), meta["ETag"].strip('"'), meta.get("ContentType", ""))


def read_tail(bucket_name: str, key: str, *, length: int, etag: str) -> bytes | Gone:
    """The last `length` bytes of version `etag` of an object (all of it if shorter): one ranged GET."""
    try:
        response = client().get_object(Bucket=bucket_name, Key=key, Range=f"bytes=-{length}", IfMatch=_quoted(etag))
    except ClientError as error:
        if aws_errors.code(error) == "InvalidRange":  # empty: no last bytes
            return b""
        return _gone_or_raise(error)
    data: bytes = response["Body"].read()
    return data


def read_all(bucket_name: str, key: str, *, etag: str) -> bytes | Gone:
    """The whole object if it is still version `etag`, else why not."""
    try:
        response = client().get_object(Bucket=bucket_name, Key=key, IfMatch=_quoted(etag))
    except ClientError as error:
        return _gone_or_raise(error)
    data: bytes = response["Body"].read()
    return data


def _gone_or_raise(error: ClientError) -> Gone:
    gone = _gone(error)
    if gone is None:
        raise error
    return gone


def put(bucket_name: str, key: str, body: bytes, *, content_type: str) -> None:
    client().put_object(Bucket=bucket_name, Key=key, Body=body, ContentType=content_type)


def mark_checked(bucket_name: str, key: str) -> None:
    """Tag an accepted upload so the lifecycle rule for unchecked uploads leaves it alone. An object
    that is gone (deleted with its task, say) has nothing left to keep: that is no error."""
    try:
        client().put_object_tagging(
            Bucket=bucket_name, Key=key, Tagging={"TagSet": [{"Key": UPLOAD_TAG, "Value": "checked"}]}
        )
    except ClientError as error:
        _gone_or_raise(error)


def delete(bucket_name: str, keys: Iterable[str]) -> int:
    """Delete objects (missing ones are fine); how many keys were asked for. Raises if S3 refuses any."""
    batch = list(keys)
    for start in range(0, len(batch), _DELETE_BATCH):
        chunk = batch[start : start + _DELETE_BATCH]
        response = client().delete_objects(
            Bucket=bucket_name, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True}
        )
        if response.get("Errors"):
            first = response["Errors"][0]
            raise RuntimeError(f"S3 did not delete {len(response['Errors'])} object(s), e.g. {first}")
    return len(batch)


def list_keys(bucket_name: str, prefix: str) -> Iterator[str]:
    """Every key under `prefix` (ListObjectsV2, page by page)."""
    for page in client().get_paginator("list_objects_v2").paginate(Bucket=bucket_name, Prefix=prefix):
        for entry in page.get("Contents", []):
            yield entry["Key"]


def delete_prefix(bucket_name: str, prefix: str) -> int:
    """Delete every object under `prefix`; how many there were."""
    return delete(bucket_name, list_keys(bucket_name, prefix))


def _quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'
