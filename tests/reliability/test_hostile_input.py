"""A hostile-input corpus against every route of the real server: always a 4xx naming the problem
(`{"error"}`, or API Gateway's `{"message"}` when no route matches), never a 5xx, never a bad record.

Paths go out through http.client exactly as written (requests would resolve `..` first). The last
test scans both tables through the emulator and checks every record against the API's own rules.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.reliability.conftest import AppServer
from tests.reliability.records import bad_records

pytestmark = pytest.mark.e2e
TIMEOUT = 30
USER = "hostile-user"
MISSING_TASK = "01JDX3Q8V2M7Z5K9N4R6T8W0YA"

# --- what every refusal looks like ------------------------------------------------------------


def assert_refused(response: requests.Response | RawResponse, *statuses: int) -> None:
    """A 4xx (one of `statuses` if given) with the API's error shape, and no injected header."""
    status, body = response.status_code, response.content
    assert 400 <= status < 500, (status, body[:300])
    if statuses:
        assert status in statuses, (status, body[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    answer = json.loads(body)
    assert isinstance(answer.get("error"), str) or answer == {"message": "Not Found"}, answer
    assert "Set-Cookie" not in response.headers


class RawResponse:
    """What http.client got back, with the few attributes assert_refused reads."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status_code = response.status
        self.headers = response.headers
        self.content = response.read()


def raw_request(server: AppServer, method: str, path: str, body: bytes = b"", content_type: str = "") -> RawResponse:
    """One request with `path` sent byte for byte as given (no normalisation of `..` or `%2e`)."""
    netloc = urlsplit(server.url).netloc
    connection = http.client.HTTPConnection(netloc, timeout=TIMEOUT)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body or None, headers=headers)
        return RawResponse(connection.getresponse())
    finally:
        connection.close()


# --- the routes -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def task_id(app_server: AppServer) -> str:
    response = requests.post(f"{app_server.url}/users/{USER}/tasks", json={"title": "target"}, timeout=TIMEOUT)
    assert response.status_code == 201
    task_id: str = response.json()["task_id"]
    return task_id


def body_routes(task_id: str) -> list[tuple[str, str]]:
    return [
        ("POST", "/shorten"),
        ("POST", f"/users/{USER}/tasks"),
        ("PATCH", f"/users/{USER}/tasks/{task_id}"),
        ("PUT", f"/users/{USER}/tasks/{task_id}"),
        ("POST", f"/users/{USER}/tasks/{task_id}/attachments"),
    ]


def every_route(task_id: str) -> list[tuple[str, str]]:
    return [
        ("GET", "/"),
        ("GET", "/demo-code"),
        ("GET", "/links/demo-code"),
        ("GET", "/links/demo-code/qr.svg"),
        ("GET", f"/users/{USER}/tasks"),
        ("GET", f"/users/{USER}/tasks/{task_id}"),
        ("DELETE", f"/users/{USER}/tasks/{MISSING_TASK}"),
        *body_routes(task_id),
    ]


BODY_ROUTE_IDS = ["shorten", "create-task", "patch-task", "put-task", "create-attachment"]

# --- bodies -----------------------------------------------------------------------------------

HOSTILE_BODIES: dict[str, tuple[bytes, str, int]] = {
    # name: (body, content type, the status every body route must answer)
    "1 MB": (b'{"title": "' + b"x" * 1_000_000 + b'"}', "application/json", 413),
    "deep nesting": (b"[" * 5000 + b"]" * 5000, "application/json", 400),
    "deep nesting in a field": (b'{"title": ' + b"[" * 4000 + b"]" * 4000 + b"}", "application/json", 400),
    "invalid UTF-8": (b'{"title": "\xff\xfe\xc3\x28"}', "application/json", 400),
    "overlong UTF-8 slash": (b'{"title": "\xc0\xaf"}', "application/json", 400),
    "raw NUL byte": (b'{"title": "a\x00b"}', "application/json", 400),
    "lone surrogate escape": (b'{"title": "a\\ud800b", "url": "https://e.com/\\udfff"}', "application/json", 400),
    "NaN": (b'{"version": NaN, "size": Infinity}', "application/json", 400),
    "not an object": (b'["title", "url"]', "application/json", 400),
    "empty": (b"", "application/json", 400),
    "duplicate-key smuggling": (b'{"title": "a", "title": 5, "url": 7, "url": 8}', "application/json", 400),
    "form": (b"title=x&url=https%3A%2F%2Fe.com", "application/x-www-form-urlencoded", 415),
    "text": (b'{"title": "x"}', "text/plain", 415),
    "xml": (b"<title>x</title>", "application/xml", 415),
    "multipart": (b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--',
                  "multipart/form-data; boundary=b", 415),
    "binary": (bytes(range(256)), "application/octet-stream", 415),
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE_BODIES)
@pytest.mark.parametrize("index", range(5), ids=BODY_ROUTE_IDS)
def test_hostile_bodies_are_refused_by_every_body_route(
    app_server: AppServer, task_id: str, index: int, case: str
) -> None:
    method, path = body_routes(task_id)[index]
    body, content_type, status = HOSTILE_BODIES[case]

    response = requests.request(
        method, f"{app_server.url}{path}", data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT
    )

    assert_refused(response, status)


@pytest.mark.parametrize("case", ["1 MB", "invalid UTF-8", "raw NUL byte", "binary"])
def test_a_hostile_body_on_any_route_is_never_a_server_error(app_server: AppServer, task_id: str, case: str) -> None:
    body, content_type, _ = HOSTILE_BODIES[case]
    for method, path in every_route(task_id):
        response = requests.request(
            method, f"{app_server.url}{path}", data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT
        )
        assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert_refused(response)


# --- URLs to shorten --------------------------------------------------------------------------

REFUSED_URLS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "ftp://example.com/x",
    "//example.com/no-scheme",
    "https://example.com/\r\nSet-Cookie: session=stolen",
    "https://example.com/\nLocation: https://evil.example",
    "https://example.com\r\n/x",
    "https://exa mple.com/",
    "https://example.com/\x00",
    "https://example.com/a\u2028b",  # (trailing white space, this one included, is trimmed)
    "https://example.com/\u202egnp.exe",
    "https://user:pass@example.com/",
    "https://example.com@evil.example/",
    "https://[::1/",
    "https://example.com:99999/",
    "https://" + "a" * 64 + ".com/",
    "https://example.com/" + "a" * 2100,
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_urls_that_are_not_plain_http_links_are_refused(app_server: AppServer, url: str) -> None:
    response = requests.post(f"{app_server.url}/shorten", json={"url": url}, timeout=TIMEOUT)

    assert_refused(response, 400)
    assert "url" in response.json()["error"]


# Accepted, but stored so that nothing in them can act: hosts as punycode, the rest percent-encoded.
NORMALISED_URLS = {
    "https://\u0430pple.com/login": "https://xn--pple-43d.com/login",  # a Cyrillic a: shows as xn--
    "https://b\u00fccher.example/\u00e4": "https://xn--bcher-kva.example/%C3%A4",
    "https://example.com/%0D%0ASet-Cookie:%20x=1": "https://example.com/%0D%0ASet-Cookie:%20x=1",
    'https://example.com/"><script>alert(1)</script>': "https://example.com/%22%3Escript%3Ealert(1)%3C/script%3E",
    "HTTPS://EXAMPLE.COM/Path": "https://example.com/Path",
}


@pytest.mark.parametrize("url", NORMALISED_URLS)
def test_odd_urls_are_stored_and_redirected_as_inert_ascii(app_server: AppServer, url: str) -> None:
    response = requests.post(f"{app_server.url}/shorten", json={"url": url}, timeout=TIMEOUT)

    assert response.status_code == 201, response.text
    stored = response.json()["longUrl"]
    assert stored.isascii()
    assert all(0x21 <= ord(ch) <= 0x7E for ch in stored)
    redirect = raw_request(app_server, "GET", f"/{response.json()['shortCode']}")
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == stored
    assert "Set-Cookie" not in redirect.headers


def test_a_homoglyph_host_is_stored_as_punycode(app_server: AppServer) -> None:
    response = requests.post(f"{app_server.url}/shorten", json={"url": "https://\u0430pple.com/"}, timeout=TIMEOUT)

    assert response.json()["longUrl"] == "https://xn--pple-43d.com/"


def test_a_link_to_this_server_itself_is_refused(app_server: AppServer) -> None:
    response = requests.post(f"{app_server.url}/shorten", json={"url": f"{app_server.url}/loop"}, timeout=TIMEOUT)

    assert_refused(response, 400)


# --- aliases, path parameters, file names, queries --------------------------------------------

HOSTILE_ALIASES = [
    "abc\r\nSet-Cookie: x=1", "abc%0d%0a", "../etc", "..", "%2e%2e", "a/b", "a%2Fb", "ab", "x" * 33,
    "links", "SHORTEN", "users", "qr.svg", "<script>", "abc\x00", "\u0430bc", "abc def", "",
]  # fmt: skip


@pytest.mark.parametrize("alias", HOSTILE_ALIASES)
def test_hostile_aliases_are_refused(app_server: AppServer, alias: str) -> None:
    response = requests.post(
        f"{app_server.url}/shorten", json={"url": "https://example.com/", "alias": alias}, timeout=TIMEOUT
    )

    assert_refused(response, 400)


HOSTILE_SEGMENTS = [
    "..", "%2e%2e", "%2E%2E", ".%2e", "..%2F..%2Fetc", "a%2Fb", "a%5Cb", "..%5C..", "%00", "a%00b",
    "%0d%0aSet-Cookie:%20x=1", "%C0%AE%C0%AE", "%FF", "%E2%80%AE", "a%20b", "%3Cscript%3E", "x" * 300,
]  # fmt: skip
PATH_TEMPLATES = [
    ("GET", "/{}"),
    ("GET", "/links/{}"),
    ("GET", "/links/{}/qr.svg"),
    ("POST", "/users/{}/tasks"),
    ("GET", "/users/{}/tasks"),
    ("GET", "/users/{}/tasks/" + MISSING_TASK),
    ("GET", "/users/" + USER + "/tasks/{}"),
    ("PATCH", "/users/" + USER + "/tasks/{}"),
    ("PUT", "/users/{}/tasks/" + MISSING_TASK),
    ("DELETE", "/users/" + USER + "/tasks/{}"),
    ("POST", "/users/{}/tasks/" + MISSING_TASK + "/attachments"),
    ("POST", "/users/" + USER + "/tasks/{}/attachments"),
]
VALID_BODIES = {
    "/tasks": {"title": "traversal"},
    "/attachments": {"filename": "a.png", "content_type": "image/png", "size": 10},
}


def valid_body(method: str, path: str) -> bytes:
    if method in ("PATCH", "PUT"):
        return json.dumps({"title": "traversal", "version": 1}).encode()
    if method == "POST":
        return json.dumps(next(body for end, body in VALID_BODIES.items() if path.endswith(end))).encode()
    return b""


@pytest.mark.parametrize("segment", HOSTILE_SEGMENTS)
@pytest.mark.parametrize(("method", "template"), PATH_TEMPLATES, ids=[f"{m} {t}" for m, t in PATH_TEMPLATES])
def test_traversal_and_injection_in_path_parameters_are_refused(
    app_server: AppServer, method: str, template: str, segment: str
) -> None:
    path = template.format(segment)

    response = raw_request(app_server, method, path, valid_body(method, path), "application/json")

    assert_refused(response, 400, 404)


REFUSED_FILENAMES = [
    "../../etc/passwd", "..\\..\\windows\\win.ini", "a/b.png", "/etc/passwd", "..", ".", " ", "...",
    "a\x00.png", "a\r\nb.png", "\u202egnp.exe", "a\u200b.png", "x" * 256, "", "a\ud800.png",
]  # fmt: skip
# Odd, but only a name to show: the object key is the attachment's id, never the file name.
HARMLESS_FILENAMES = ["%2e%2e%2fpasswd", "..png", "<script>.png", "ünïcödé.pdf", "a" * 255]


@pytest.mark.parametrize("filename", REFUSED_FILENAMES)
def test_hostile_file_names_are_refused(app_server: AppServer, task_id: str, filename: str) -> None:
    response = requests.post(
        f"{app_server.url}/users/{USER}/tasks/{task_id}/attachments",
        json={"filename": filename, "content_type": "image/png", "size": 10},
        timeout=TIMEOUT,
    )

    assert_refused(response, 400)


@pytest.mark.parametrize("filename", HARMLESS_FILENAMES)
def test_odd_file_names_never_reach_the_object_key(app_server: AppServer, filename: str) -> None:
    task = requests.post(f"{app_server.url}/users/{USER}/tasks", json={"title": "files"}, timeout=TIMEOUT).json()

    response = requests.post(
        f"{app_server.url}/users/{USER}/tasks/{task['task_id']}/attachments",
        json={"filename": filename, "content_type": "application/pdf", "size": 10},
        timeout=TIMEOUT,
    )

    assert response.status_code == 201, response.text
    attachment_id = response.json()["attachment"]["attachment_id"]
    key = response.json()["upload"]["fields"]["key"]
    assert key == f"uploads/{USER}/{task['task_id']}/{attachment_id}"


@pytest.mark.parametrize(
    "remind_at",
    ["2999-12-24T09:00:00+01:00", "2999-12-24T09:00:00", "2999-12-24T09:00:60Z", "9999-99-99T99:99:99Z",
     "2999-12-24T09:00:00Z\n", "\u0662999-12-24T09:00:00Z", "1970-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
     "2999-12-24T09:00:00.000000001Z", 1e308, -1, [], {"$gt": ""}, True, "now", "x" * 10_000],
)  # fmt: skip
def test_hostile_reminder_times_are_refused(app_server: AppServer, remind_at: Any) -> None:
    response = requests.post(
        f"{app_server.url}/users/{USER}/tasks", json={"title": "remind me", "remind_at": remind_at}, timeout=TIMEOUT
    )

    assert_refused(response, 400, 413)


@pytest.mark.parametrize(
    "query",
    ["limit=%C2%B2", "limit=1e2", "limit=-0", "limit=" + "9" * 400, "status=%3Cscript%3E", "status=done%00",
     "next_token=..%2F..", "next_token=" + "A" * 2000 + ".x", "limit=10&limit=abc"],
)  # fmt: skip
def test_hostile_list_queries_are_refused(app_server: AppServer, query: str) -> None:
    response = raw_request(app_server, "GET", f"/users/{USER}/tasks?{query}")

    assert_refused(response, 400)


def test_a_cr_lf_in_a_short_code_injects_no_header(app_server: AppServer) -> None:
    response = raw_request(app_server, "GET", "/demo%0d%0aSet-Cookie:%20session=1")

    assert_refused(response, 404)


# --- and nothing bad was stored ---------------------------------------------------------------


def stored(app_server: AppServer) -> Iterator[list[dict[str, Any]]]:
    yield app_server.tables.links()
    yield app_server.tables.tasks()


def test_no_stored_record_breaks_a_rule_after_the_corpus(app_server: AppServer) -> None:
    links, tasks = stored(app_server)

    assert bad_records(links, tasks) == {}
    assert {task["user_id"] for task in tasks if "hostile" in task["user_id"] or "." in task["user_id"]} <= {USER}
