"""WSGI middleware for the emulator: S3's presigned POST policy, enforced before moto sees the upload.

moto stores whatever is POSTed to a bucket. This gate reads a browser-style upload (a
multipart/form-data POST to a bucket's root) once, in chunks, and parses the form as S3 does:

- field names are compared without regard to case ("post parameters are case insensitive");
  a name sent twice has its values joined with commas, and the policy must allow the joined value;
- the part named `file` is the file; fields after it are ignored, and a second `file` is refused
  ("POST requires exactly one file upload per request");
- `${filename}` in any field is the file's name (its last path segment), when the file has one.

`s3_post_policy.check_post` then decides. A refusal is answered with S3's XML error and status,
and moto never sees the request: nothing is stored and no notification fires. An accepted upload
goes on to moto as a new body written while reading: exactly the fields that were checked (names
lower-cased, as moto looks them up) and the file, nothing after it. So moto stores what S3
would store, whatever else the client sent. The new body is spooled (memory up to 1 MB, disk beyond).
"""

from __future__ import annotations

import ntpath
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.wsgi import ClosingIterator

from devkit.local_aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from devkit.s3_post_policy import PostPolicyError, check_post
from devkit.wsgi_body import StartResponse, WsgiApp

# The keys local code signs with: the emulator's (workers, tests, `aws --endpoint-url` with the
# README's variables), and SAM's defaults (what SAM puts in a function's environment when the
# shell has no credentials). Any other key is unknown, as it would be to S3.
LOCAL_SIGNING_KEYS = {ACCESS_KEY_ID: SECRET_ACCESS_KEY, "defaultkey": "defaultsecret"}
MAX_FIELDS_BYTES = 20 * 1024  # S3's limit on the form fields before the file
_CHUNK = 64 * 1024
_SPOOL_BYTES = 1024 * 1024


@dataclass
class _Form:
    fields: dict[str, list[str]] = field(default_factory=dict)  # lower-case name -> values, in order
    file_size: int = 0
    files: int = 0
    error: PostPolicyError | None = None

    def checked_fields(self) -> dict[str, str]:
        return {name: ",".join(values) for name, values in self.fields.items()}


class S3PostGate:
    """Refuses the POST uploads S3 would refuse and hands moto only what was checked; other requests pass untouched."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        bucket, boundary = _post_object(environ)
        if bucket is None or boundary is None:
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit():
            return _refuse(start_response, PostPolicyError("MissingContentLength", _NO_LENGTH, 411))
        forwarded: IO[bytes] = tempfile.SpooledTemporaryFile(_SPOOL_BYTES)  # noqa: SIM115 - closed with the response
        form = _read_form(environ["wsgi.input"], int(length), boundary, forwarded)
        error = form.error or check_post(
            form.checked_fields(),
            bucket=bucket,
            file_size=form.file_size,
            secrets=LOCAL_SIGNING_KEYS,
            region=REGION,
        )
        if error is not None:
            forwarded.close()
            print(f"S3 refused a POST upload to {bucket}: {error.code}: {error.message}", flush=True)
            return _refuse(start_response, error)
        environ["CONTENT_LENGTH"] = str(forwarded.tell())
        forwarded.seek(0)
        environ["wsgi.input"] = forwarded
        return ClosingIterator(self.app(environ, start_response), forwarded.close)


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


def _read_form(stream: IO[bytes], length: int, boundary: bytes, forwarded: IO[bytes]) -> _Form:
    """Stream the body through the multipart decoder: keep the fields before the file, count the
    file, and write the body moto gets (checked fields, then the file) to `forwarded`."""
    form = _Form()
    decoder = MultipartDecoder(boundary)
    remaining = length
    name: str | None = None  # the field being read; None in the file and past it
    in_file = False
    value = bytearray()
    try:
        while form.files < 2 and form.error is None:  # a second file: refused, nothing more to read
            event = decoder.next_event()
            if isinstance(event, NeedData):
                chunk = stream.read(min(_CHUNK, remaining)) if remaining else b""
                remaining -= len(chunk)
                decoder.receive_data(chunk or None)  # None: the body is complete (or was cut short)
            elif isinstance(event, Field | File):
                in_file, name = _start_part(form, event, boundary, forwarded)
                value = bytearray()
            elif isinstance(event, Data) and name is not None:
                value += event.data
                if sum(len(v) for values in form.fields.values() for v in values) + len(value) > MAX_FIELDS_BYTES:
                    form.error = _too_large_fields()
                elif not event.more_data:
                    form.fields.setdefault(name, []).append(value.decode("utf-8", "replace"))
            elif isinstance(event, Data) and in_file:
                form.file_size += len(event.data)
                forwarded.write(event.data)
            elif isinstance(event, Epilogue):
                break
    except ValueError:
        form.error = PostPolicyError(
            "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.", 400
        )
    _drain(stream, remaining)  # what follows a second file or an error, or an epilogue: never forwarded
    forwarded.write(b"\r\n--" + boundary + b"--\r\n")
    if form.error is None and form.files != 1:
        form.error = PostPolicyError(
            "InvalidArgument",
            "POST requires exactly one file upload per request.",
            400,
            {"ArgumentName": "file", "ArgumentValue": str(form.files)},
        )
    return form


def _start_part(form: _Form, part: Field | File, boundary: bytes, forwarded: IO[bytes]) -> tuple[bool, str | None]:
    """(is this the file, the lower-case name of a field to keep). At the file, the checked fields
    and the file's part header are written out; parts after it are neither kept nor written."""
    if part.name.lower() != "file":
        return False, None if form.files else part.name.lower()
    form.files += 1
    if form.files == 1:
        filename = part.filename if isinstance(part, File) else None
        _substitute_filename(form.fields, filename)
        _write_fields(forwarded, boundary, form.checked_fields())
        forwarded.write(_part_header(boundary, "file", filename))
    return form.files == 1, None


def _substitute_filename(fields: dict[str, list[str]], filename: str | None) -> None:
    """S3 replaces `${filename}` in every field with the file's name (the part after any path) before
    checking the policy; a file part without a filename leaves the variable as it is."""
    if filename is None:
        return
    base = ntpath.basename(filename)  # splits at "/" and "\", as S3 does
    for values in fields.values():
        values[:] = [v.replace("${filename}", base) for v in values]


def _write_fields(forwarded: IO[bytes], boundary: bytes, fields: Mapping[str, str]) -> None:
    for name, value in fields.items():
        forwarded.write(_part_header(boundary, name, None) + value.encode("utf-8"))


def _part_header(boundary: bytes, name: str, filename: str | None) -> bytes:
    """A part's delimiter and headers; names escaped as browsers do (WHATWG's multipart/form-data
    encoding: `"`, CR and LF percent-encoded), so no field can forge a header of its own."""
    disposition = f'form-data; name="{_escape(name)}"'
    if filename is not None:
        disposition += f'; filename="{_escape(filename)}"'
    return b"\r\n--" + boundary + f"\r\nContent-Disposition: {disposition}\r\n\r\n".encode()


def _escape(text: str) -> str:
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _drain(stream: IO[bytes], remaining: int) -> None:
    """Read the rest of the body, so the connection stays usable for the client's next request."""
    while remaining > 0:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def _too_large_fields() -> PostPolicyError:
    return PostPolicyError(
        "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large.", 400
    )


def _refuse(start_response: StartResponse, error: PostPolicyError) -> list[bytes]:
    body = error.to_xml().encode("utf-8")
    start_response(
        f"{error.status} {_REASONS.get(error.status, 'Error')}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


_REASONS = {400: "Bad Request", 403: "Forbidden", 411: "Length Required"}
