"""WSGI middleware for the emulator: S3's presigned POST policy, enforced before moto sees the upload.

moto stores whatever is POSTed to a bucket. This gate reads a browser-style upload (a
multipart/form-data POST to a bucket's root) once, in chunks: the form's fields are kept (S3
ignores any after the file), the file is only counted, and the raw body is copied to a spooled
temporary file (memory up to 1 MB, disk beyond). `s3_post_policy.check_post` then decides: a refusal
is answered with S3's XML error and status and moto never sees the request, so nothing is stored
and no notification fires; an accepted upload goes on to moto unchanged, its body replayed from
the copy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.wsgi import ClosingIterator

from devkit.local_aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from devkit.s3_post_policy import PostPolicyError, check_post

type WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# The keys local code signs with: the emulator's (workers, tests, `aws --endpoint-url` with the
# README's variables), and SAM's defaults (what SAM puts in a function's environment when the
# shell has no credentials). Any other key is unknown, as it would be to S3.
LOCAL_SIGNING_KEYS = {ACCESS_KEY_ID: SECRET_ACCESS_KEY, "defaultkey": "defaultsecret"}
MAX_FIELDS_BYTES = 20 * 1024  # S3's limit on the form fields before the file
_CHUNK = 64 * 1024
_SPOOL_BYTES = 1024 * 1024


@dataclass
class _Form:
    fields: dict[str, str] = field(default_factory=dict)
    file_size: int = 0
    files: int = 0
    filename: str = ""
    error: PostPolicyError | None = None


class S3PostGate:
    """Refuses the POST uploads S3 would refuse; passes every other request through untouched."""

    def __init__(self, app: WsgiApp, secrets: Mapping[str, str] = LOCAL_SIGNING_KEYS, region: str = REGION) -> None:
        self.app = app
        self.secrets = secrets
        self.region = region

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        bucket, boundary = _post_object(environ)
        if bucket is None or boundary is None:
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit():
            return _refuse(start_response, PostPolicyError("MissingContentLength", _NO_LENGTH, 411))
        body: IO[bytes] = tempfile.SpooledTemporaryFile(_SPOOL_BYTES)  # noqa: SIM115 - closed with the response
        form = _read_form(environ["wsgi.input"], int(length), boundary, body)
        error = form.error or check_post(
            _with_filename(form.fields, form.filename),
            bucket=bucket,
            file_size=form.file_size,
            secrets=self.secrets,
            region=self.region,
        )
        if error is not None:
            body.close()
            print(f"S3 refused a POST upload to {bucket}: {error.code}: {error.message}", flush=True)
            return _refuse(start_response, error)
        body.seek(0)
        environ["wsgi.input"] = body
        return ClosingIterator(self.app(environ, start_response), body.close)


_NO_LENGTH = "You must provide the Content-Length HTTP header."


def _post_object(environ: Mapping[str, Any]) -> tuple[str | None, bytes | None]:
    """(bucket, multipart boundary) of a POST Object request (path-style: `POST /<bucket>`), else Nones."""
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("QUERY_STRING"):
        return None, None
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    segments = environ.get("PATH_INFO", "").strip("/").split("/")
    if mimetype != "multipart/form-data" or len(segments) != 1 or not segments[0] or "boundary" not in options:
        return None, None
    return segments[0], options["boundary"].encode("latin-1")


def _read_form(stream: IO[bytes], length: int, boundary: bytes, copy: IO[bytes]) -> _Form:
    """Stream the body through the multipart decoder into `copy`, keeping the fields and the file's size."""
    form = _Form()
    decoder = MultipartDecoder(boundary)
    remaining = length
    name: str | None = None  # the field being read; None while reading the file
    value = bytearray()
    in_file = False
    try:
        while True:
            event = decoder.next_event()
            if isinstance(event, NeedData):
                chunk = stream.read(min(_CHUNK, remaining)) if remaining else b""
                remaining -= len(chunk)
                copy.write(chunk)
                decoder.receive_data(chunk or None)  # None: the body is complete (or was cut short)
            elif isinstance(event, Field | File):
                in_file = event.name.lower() == "file"
                if in_file:
                    form.files += 1
                    form.filename = event.filename if isinstance(event, File) else ""
                name, value = (None if in_file or form.files else event.name), bytearray()
            elif isinstance(event, Data):
                if in_file:
                    form.file_size += len(event.data)
                elif name is not None:
                    value += event.data
                    if sum(map(len, form.fields.values())) + len(value) > MAX_FIELDS_BYTES:
                        form.error = _too_large_fields()
                        _drain(stream, remaining)
                        return form
                if not event.more_data and name is not None:
                    form.fields.setdefault(name, value.decode("utf-8", "replace"))
            elif isinstance(event, Epilogue):
                break
    except ValueError:
        form.error = PostPolicyError(
            "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.", 400
        )
        _drain(stream, remaining)
        return form
    if form.files != 1:
        form.error = PostPolicyError(
            "InvalidArgument",
            "POST requires exactly one file upload per request.",
            400,
            {"ArgumentName": "file", "ArgumentValue": str(form.files)},
        )
    return form


def _with_filename(fields: Mapping[str, str], filename: str) -> dict[str, str]:
    """S3 replaces `${filename}` in the key with the uploaded file's name before checking the policy."""
    return {
        name: (value.replace("${filename}", filename) if name.lower() == "key" else value)
        for name, value in fields.items()
    }


def _drain(stream: IO[bytes], remaining: int) -> None:
    """Read the rest of a refused body, so the connection stays usable for the client's next request."""
    while remaining > 0:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def _too_large_fields() -> PostPolicyError:
    return PostPolicyError(
        "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large.", 400
    )


def _refuse(start_response: Callable[..., Any], error: PostPolicyError) -> list[bytes]:
    body = error.to_xml().encode("utf-8")
    start_response(
        f"{error.status} {_REASONS.get(error.status, 'Error')}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


_REASONS = {400: "Bad Request", 403: "Forbidden", 411: "Length Required"}
