"""The emulator's POST policy gate in process: a refused upload never reaches moto; an accepted one
reaches it as exactly the fields that were checked and the file, whatever else the form carried."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
from botocore.config import Config
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from devkit.local_aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from devkit.s3_post_gate import S3PostGate

BUCKET = "attachments"
KEY = "uploads/u/t/a"
BOUNDARY = "----devserver-test-boundary"

type Part = tuple[str, str | bytes, str | None]  # name, value, filename (None: a plain field)


class Downstream:
    """Stands for moto: parses what reached it with Werkzeug's form parser, as moto does."""

    def __init__(self) -> None:
        self.forms: list[tuple[dict[str, list[str]], list[tuple[str, str | None, bytes]]]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        fields = {name: request.form.getlist(name) for name in request.form}
        files = [(name, upload.filename, upload.read()) for name, upload in request.files.items(multi=True)]
        self.forms.append((fields, files))
        start_response("204 No Content", [])
        return [b""]


def presigned_form(size: int, expires_in: int = 300, key: str = KEY) -> dict[str, str]:
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:1",  # presigning never calls it
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=Config(signature_version="s3v4"),
    )
    form = s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=key,
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    return dict(form["fields"])


def multipart(
    fields: dict[str, str], data: bytes | None, *, after: tuple[Part, ...] = (), filename: str | None = "a.png"
) -> bytes:
    """A browser's form: the fields, the file (S3 wants it last), then `after` (which S3 ignores)."""
    parts: list[Part] = [(name, value, None) for name, value in fields.items()]
    if data is not None:
        parts.append(("file", data, filename))
    return encode([*parts, *after])


def encode(parts: list[Part]) -> bytes:
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:  # a quoted string: a backslash goes escaped, as a browser's path would
            disposition += '; filename="{}"'.format(filename.replace("\\", "\\\\"))
        content = value if isinstance(value, bytes) else value.encode()
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def post(gate: S3PostGate, body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> Any:
    environ = EnvironBuilder(
        path=f"/{BUCKET}",
        method="POST",
        input_stream=io.BytesIO(body),
        content_type=content_type,
        content_length=len(body),
    )
    return Client(gate).open(environ)


@pytest.fixture
def downstream() -> Downstream:
    return Downstream()


@pytest.fixture
def gate(downstream: Downstream) -> S3PostGate:
    return S3PostGate(downstream)


def error_code(response: Any) -> str:
    return ElementTree.fromstring(response.data).findtext("Code", "")  # noqa: S314 - the gate's own XML


def test_an_allowed_upload_reaches_moto_as_the_checked_fields_and_the_file(
    gate: S3PostGate, downstream: Downstream
) -> None:
    data = bytes(range(256)) * 8192  # 2 MB: past the spool's memory part, onto disk
    fields = presigned_form(len(data))

    response = post(gate, multipart(fields, data))

    assert response.status_code == 204
    ((seen, files),) = downstream.forms
    assert seen == {name.lower(): [value] for name, value in fields.items()}
    assert files == [("file", "a.png", data)]


@pytest.mark.parametrize(
    ("change", "size_delta", "status", "code"),
    [
        ({"x-amz-signature": "0" * 64}, 0, 403, "SignatureDoesNotMatch"),
        ({"key": "uploads/u/t/other"}, 0, 403, "AccessDenied"),
        ({"Content-Type": "text/html"}, 0, 403, "AccessDenied"),
        ({"x-amz-credential": "someone/20240101/us-east-1/s3/aws4_request"}, 0, 403, "InvalidAccessKeyId"),
        ({}, 1, 400, "EntityTooLarge"),
        ({}, -1, 400, "EntityTooSmall"),
    ],
)
def test_a_refused_upload_never_reaches_moto(
    gate: S3PostGate, downstream: Downstream, change: dict[str, str], size_delta: int, *, status: int, code: str
) -> None:
    fields = {**presigned_form(10), **change}

    response = post(gate, multipart(fields, b"x" * (10 + size_delta)))

    assert (response.status_code, error_code(response)) == (status, code)
    assert response.headers["Content-Type"] == "application/xml"
    assert downstream.forms == []


def test_an_expired_policy_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    response = post(gate, multipart(presigned_form(10, expires_in=-1), b"x" * 10))

    assert (response.status_code, error_code(response)) == (403, "AccessDenied")
    assert b"Policy expired" in response.data
    assert downstream.forms == []


def test_a_form_without_a_file_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    response = post(gate, multipart(presigned_form(10), None))

    assert (response.status_code, error_code(response)) == (400, "InvalidArgument")
    assert downstream.forms == []


def test_a_second_file_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    body = multipart(presigned_form(10), b"x" * 10, after=(("file", b"y" * 10, "b.png"),))

    response = post(gate, body)

    assert (response.status_code, error_code(response)) == (400, "InvalidArgument")
    assert downstream.forms == []


def test_a_body_that_is_not_multipart_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    response = post(gate, b"not a multipart body")

    assert (response.status_code, error_code(response)) == (400, "MalformedPOSTRequest")
    assert downstream.forms == []


def test_fields_after_the_file_never_reach_moto(gate: S3PostGate, downstream: Downstream) -> None:
    after: tuple[Part, ...] = (
        ("key", "uploads/u/t/other", None),  # a key the policy forbids
        ("Content-Type", "text/html", None),  # a type the policy forbids
        ("x-ignore-more", b"z" * 10, "other.png"),  # another file part: moto would store the last one
    )

    response = post(gate, multipart(presigned_form(10), b"x" * 10, after=after))

    assert response.status_code == 204
    ((seen, files),) = downstream.forms
    assert (seen["key"], seen["content-type"]) == ([KEY], ["image/png"])
    assert "x-ignore-more" not in seen
    assert files == [("file", "a.png", b"x" * 10)]


def test_a_field_sent_twice_in_another_case_is_checked_as_s3_joins_it(gate: S3PostGate, downstream: Downstream) -> None:
    fields = presigned_form(10)
    signed_key = fields.pop("key")
    parts: list[Part] = [(name, value, None) for name, value in fields.items()]
    # moto would store the object under `key`; a check that kept only one of the two could pass `KEY`.
    parts += [("key", "uploads/u/t/other", None), ("KEY", signed_key, None), ("file", b"x" * 10, "a.png")]

    response = post(gate, encode(parts))

    # S3 joins the values of a repeated field with commas; the policy's exact key does not allow that.
    assert (response.status_code, error_code(response)) == (403, "AccessDenied")
    assert b'Policy Condition failed: ["eq", "$key", "uploads/u/t/a"]' in response.data
    assert downstream.forms == []


@pytest.mark.parametrize(
    ("filename", "stored_key"),
    [("C:\\photos\\cat.png", "uploads/u/t/cat.png"), ("dir/cat.png", "uploads/u/t/cat.png"), (None, None)],
)
def test_the_filename_variable_is_the_files_name_or_stays_when_there_is_none(
    gate: S3PostGate, downstream: Downstream, filename: str | None, stored_key: str | None
) -> None:
    fields = presigned_form(10, key="uploads/u/t/${filename}")

    response = post(gate, multipart(fields, b"x" * 10, filename=filename))

    assert response.status_code == 204
    ((seen, _),) = downstream.forms
    assert seen["key"] == [stored_key or "uploads/u/t/${filename}"]


def test_fields_before_the_file_are_limited_to_20_kb(gate: S3PostGate, downstream: Downstream) -> None:
    fields = {**presigned_form(10), "x-ignore-padding": "p" * 21_000}

    response = post(gate, multipart(fields, b"x" * 10))

    assert (response.status_code, error_code(response)) == (400, "MaxPostPreDataLengthExceeded")
    assert downstream.forms == []


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [("POST", f"/{BUCKET}", "delete"), ("PUT", f"/{BUCKET}/{KEY}", ""), ("POST", f"/{BUCKET}/{KEY}", "uploads")],
)
def test_other_requests_pass_untouched(method: str, path: str, query: str) -> None:
    bodies: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        bodies.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response("204 No Content", [])
        return [b""]

    response = Client(S3PostGate(app)).open(
        EnvironBuilder(path=path, method=method, query_string=query, data=b"<Delete/>", content_type="application/xml")
    )

    assert response.status_code == 204
    assert bodies == [b"<Delete/>"]
