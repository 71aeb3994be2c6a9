"""The emulator's POST policy gate in process: a refused upload never reaches moto, an accepted one is unchanged."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
from botocore.config import Config
from werkzeug.test import Client, EnvironBuilder

from devkit.local_aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from devkit.s3_post_gate import S3PostGate

BUCKET = "attachments"
KEY = "uploads/u/t/a"
BOUNDARY = "----devserver-test-boundary"


class Downstream:
    """Stands for moto: records what reached it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.bodies.append(environ["wsgi.input"].read(length))
        start_response("204 No Content", [])
        return [b""]


def presigned_form(size: int, expires_in: int = 300) -> dict[str, str]:
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
        Key=KEY,
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    return dict(form["fields"])


def multipart(fields: dict[str, str], data: bytes | None, *, after: dict[str, str] | None = None) -> bytes:
    """A browser's form: the fields, the file (S3 wants it last), then `after` (which S3 ignores)."""

    def field(name: str, value: str) -> bytes:
        return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()

    body = b"".join(field(name, value) for name, value in fields.items())
    if data is not None:
        body += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\n'
                "Content-Type: image/png\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += b"".join(field(name, value) for name, value in (after or {}).items())
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


def test_an_allowed_upload_reaches_moto_byte_for_byte(gate: S3PostGate, downstream: Downstream) -> None:
    data = bytes(range(256)) * 8192  # 2 MB: past the spool's memory part, onto disk
    body = multipart(presigned_form(len(data)), data)

    response = post(gate, body)

    assert response.status_code == 204
    assert downstream.bodies == [body]


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
    assert downstream.bodies == []


def test_an_expired_policy_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    response = post(gate, multipart(presigned_form(10, expires_in=-1), b"x" * 10))

    assert (response.status_code, error_code(response)) == (403, "AccessDenied")
    assert b"Policy expired" in response.data
    assert downstream.bodies == []


def test_a_form_without_a_file_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    response = post(gate, multipart(presigned_form(10), None))

    assert (response.status_code, error_code(response)) == (400, "InvalidArgument")
    assert downstream.bodies == []


def test_a_body_that_is_not_multipart_is_refused(gate: S3PostGate, downstream: Downstream) -> None:
    response = post(gate, b"not a multipart body")

    assert (response.status_code, error_code(response)) == (400, "MalformedPOSTRequest")
    assert downstream.bodies == []


def test_fields_after_the_file_are_ignored_as_s3_ignores_them(gate: S3PostGate, downstream: Downstream) -> None:
    body = multipart(presigned_form(10), b"x" * 10, after={"unexpected": "value"})

    response = post(gate, body)

    assert response.status_code == 204
    assert downstream.bodies == [body]


def test_fields_before_the_file_are_limited_to_20_kb(gate: S3PostGate, downstream: Downstream) -> None:
    fields = {**presigned_form(10), "x-ignore-padding": "p" * 21_000}

    response = post(gate, multipart(fields, b"x" * 10))

    assert (response.status_code, error_code(response)) == (400, "MaxPostPreDataLengthExceeded")
    assert downstream.bodies == []


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [("POST", f"/{BUCKET}", "delete"), ("PUT", f"/{BUCKET}/{KEY}", ""), ("POST", f"/{BUCKET}/{KEY}", "uploads")],
)
def test_other_requests_pass_untouched(
    gate: S3PostGate, downstream: Downstream, method: str, path: str, query: str
) -> None:
    response = Client(gate).open(
        EnvironBuilder(path=path, method=method, query_string=query, data=b"<Delete/>", content_type="application/xml")
    )

    assert response.status_code == 204
    assert downstream.bodies == [b"<Delete/>"]
