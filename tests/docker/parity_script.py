"""The requests the parity test sends, in order, to `make run` and to `make sam-local`, and what to ignore.

Each server starts empty. A path may use `{name}`, a value an earlier answer gave (`save`: name ->
dotted path in its JSON body); in both servers' answers those values read `{name}` again, so a
random short code or task id compares equal. Timestamps are ignored everywhere; `ignore` lists
the JSON paths whose values differ by nature (`*` for every key of an object).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.events import EVENTS

JSON = {"Content-Type": "application/json"}
USER = "/users/user123/tasks"
PREFLIGHT_HEADERS = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}


@dataclass(frozen=True)
class Difference:
    """A place where SAM CLI's local API answers unlike API Gateway's HTTP API (docs/local-stack.md
    cites AWS for each): what it is, and the parts of the answer it changes ("status", "body" or a
    header); every other part must still match."""

    what: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    save: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    # Where SAM CLI answers unlike API Gateway, and the status API Gateway (so `make run`) answers.
    sam_cli_differs: Difference | None = None
    status: int | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def data(self) -> bytes | None:
        return json.dumps(self.json).encode() if self.json is not None else self.body


@dataclass(frozen=True)
class Expire:
    """Not a request: move link `{code}`'s expiry into the past in that server's emulator (a 410 without waiting)."""

    code: str


def shorten(body: Any, **kwargs: Any) -> Request:
    return Request("POST", "/shorten", json=body, headers=JSON, **kwargs)


def task(method: str, suffix: str = "", body: Any = None, **kwargs: Any) -> Request:
    return Request(method, USER + suffix, json=body, headers=JSON if body is not None else {}, **kwargs)


PHOTO_SIZE = (EVENTS / "photo.jpg").stat().st_size
# The upload form: where to post (the emulator's address differs) and signed, dated fields.
UPLOAD_FORM = ("upload.url", "upload.fields.*")

UNROUTED = Difference("no route: 404 Not Found; SAM CLI: 403 Missing Authentication Token", ("status", "body"))
HEAD = Difference("HEAD matches no GET route: 404; SAM CLI: 502", ("status",))
TRAILING_SLASH = Difference(
    "a trailing slash matches no route: 404; SAM CLI serves the route",
    ("status", "body", "content-type", "cache-control"),
)
PREFLIGHT = Difference("CORS preflight: 204, no body; SAM CLI: 200 text/html", ("status", "content-type"))
NO_CONTENT_TYPE = Difference("a response without Content-Type keeps none; SAM CLI adds JSON's", ("content-type",))
BINARY = Difference(
    "a body that is not text reaches the function base64-encoded; SAM CLI: 502",
    ("status", "body", "content-type", "cache-control"),
)


def unrouted(method: str, path: str) -> Request:
    return Request(method, path, sam_cli_differs=UNROUTED, status=404)


SCRIPT: list[Request | Expire] = [
    # README's Links tour, then the web page.
    shorten({"url": "https://example.com/very/long/url"}, save={"code": "shortCode"}),
    shorten({"url": "https://aws.amazon.com/serverless/", "alias": "hello", "expiresInDays": 7}),
    Request("GET", "/hello", sam_cli_differs=NO_CONTENT_TYPE),
    Request("GET", "/{code}", sam_cli_differs=NO_CONTENT_TYPE),
    Request("GET", "/hello?utm_source=test", sam_cli_differs=NO_CONTENT_TYPE),
    Request("GET", "/links/hello"),
    Request("GET", "/links/hello/qr.svg"),
    Request("GET", "/"),
    # Links errors: 409, 400, 413, 415, 404, 410.
    shorten({"url": "https://example.com/other", "alias": "hello"}),
    shorten({"url": "ftp://example.com/file"}),
    shorten({"url": "https://example.com/", "colour": "red"}),
    Request("POST", "/shorten", body=b"not json", headers=JSON),
    shorten({"url": "https://example.com/", "alias": "x" * 11000}),
    Request(
        "POST",
        "/shorten",
        body=b"url=https://example.com/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Request("GET", "/nosuchcode"),
    Request("GET", "/nosuchcode", headers={"Accept": "text/html"}),
    Request("GET", "/links/nosuchcode"),
    Request("GET", "/links/nosuchcode/qr.svg"),
    shorten({"url": "https://example.com/soon-gone", "alias": "old", "expiresInDays": 1}),
    Expire("old"),
    Request("GET", "/old"),
    Request("GET", "/links/old"),
    Request("GET", "/links/old/qr.svg"),
    # README's Tasks tour, with an attachment form.
    task(
        "POST",
        body={"title": "Learn AWS Lambda", "description": "Build and deploy a serverless API"},
        save={"task": "task_id"},
    ),
    task("GET", "?limit=10"),
    task("GET", "/{task}"),
    task("PATCH", "/{task}", {"status": "done", "version": 1}),
    task(
        "PUT",
        "/{task}",
        {"title": "Learn AWS SAM", "description": "", "status": "in_progress", "due_date": "2030-01-31", "version": 2},
    ),
    task(
        "POST",
        "/{task}/attachments",
        {"filename": "photo.jpg", "content_type": "image/jpeg", "size": PHOTO_SIZE},
        save={"attachment": "attachment.attachment_id"},
        ignore=UPLOAD_FORM,
    ),
    task("GET", "/{task}", ignore=("attachments.{attachment}.url", "attachments.{attachment}.thumbnail_url")),
    # Tasks errors: 409 (stale version), 400s, 404s.
    task("PATCH", "/{task}", {"status": "pending", "version": 1}),
    task("PATCH", "/{task}", {"status": "someday", "version": 3}),
    task("PATCH", "/{task}", {"owner": "someone", "version": 3}),
    task("GET", "?limit=0"),
    task("GET", "?status=someday"),
    task(
        "POST", "/{task}/attachments", {"filename": "tool.exe", "content_type": "application/x-msdownload", "size": 10}
    ),
    task(
        "POST", "/{task}/attachments", {"filename": "huge.jpg", "content_type": "image/jpeg", "size": 11 * 1024 * 1024}
    ),
    task("GET", "/01JDX3Q8V2M7Z5K9N4R6T8W0YA"),
    task("GET", "/not-a-task-id"),
    task("DELETE", "/{task}", sam_cli_differs=NO_CONTENT_TYPE),
    task("GET", "/{task}"),
    task("DELETE", "/{task}"),
    # The API itself: unknown routes and methods, CORS, bodies that are not text.
    unrouted("GET", "/links/hello/qr.png"),
    unrouted("GET", USER + "/{task}/attachments"),
    Request("HEAD", "/links/hello", sam_cli_differs=HEAD, status=404),
    Request("HEAD", "/", sam_cli_differs=HEAD, status=404),
    unrouted("PUT", "/links/hello"),
    unrouted("DELETE", "/shorten"),
    Request("OPTIONS", "/shorten", headers=PREFLIGHT_HEADERS, sam_cli_differs=PREFLIGHT, status=204),
    Request(
        "OPTIONS",
        USER,
        headers={**PREFLIGHT_HEADERS, "Access-Control-Request-Headers": "content-type"},
        sam_cli_differs=PREFLIGHT,
        status=204,
    ),
    Request("GET", "/links/hello", headers={"Origin": "https://app.example.com"}),
    Request(
        "POST",
        "/shorten",
        body=b"\x89PNG\r\n\x1a\n",
        headers={"Content-Type": "application/octet-stream"},
        sam_cli_differs=BINARY,
        status=415,
    ),
    Request(
        "POST",
        "/shorten",
        body=b'{"url": "https://example.com/\xff"}',
        headers=JSON,
        sam_cli_differs=BINARY,
        status=400,
    ),
    Request("GET", "/links/hello/", sam_cli_differs=TRAILING_SLASH, status=404),
]
