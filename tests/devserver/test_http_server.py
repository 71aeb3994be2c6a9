"""The lean HTTP server `make run` uses: what a WSGI app gets, and what a client gets back."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from devserver.http_server import LocalHTTPServer, make_http_server


def echo_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/ignore-body":  # answers without reading the request body
        start_response("201 CREATED", [("Content-Type", "text/plain")])
        return [b"ignored"]
    stream = environ["wsgi.input"]
    chunked = environ.get("wsgi.input_terminated")
    body = stream.read() if chunked else stream.read(int(environ.get("CONTENT_LENGTH") or 0))
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "custom": environ.get("HTTP_X_CUSTOM"),
        "body": body.decode(),
    }
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Part", "a"), ("X-Part", "b")])
    return [json.dumps(seen).encode()]


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    server = make_http_server("127.0.0.1", 0, echo_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def request(server: LocalHTTPServer, method: str, path: str, **kwargs: Any) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    connection.request(method, path, **kwargs)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_app_gets_the_decoded_path_query_headers_and_body(server: LocalHTTPServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    connection.request("POST", "/a%20b/c?x=1&y=%20", body=b"hello", headers={"X-Custom": "kept"})
    response = connection.getresponse()

    assert response.status == 200
    assert response.getheader("Connection") == "close"
    assert response.getheader("X-Part") == "a, b"  # repeated response headers are kept
    assert json.loads(response.read()) == {
        "method": "POST",
        "path": "/a b/c",
        "query": "x=1&y=%20",
        "custom": "kept",
        "body": "hello",
    }


def test_a_chunked_request_body_arrives_whole(server: LocalHTTPServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    connection.request("PUT", "/chunked", body=iter([b"hel", b"lo"]), encode_chunked=True)

    assert json.loads(connection.getresponse().read())["body"] == "hello"


def test_a_body_the_app_did_not_read_does_not_cost_the_client_its_response(server: LocalHTTPServer) -> None:
    response = request(server, "POST", "/ignore-body", body=b"x" * 200_000)

    assert response.status == 201


def test_concurrent_requests_are_served_in_parallel_threads(server: LocalHTTPServer) -> None:
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(request(server, "GET", "/").status)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [200] * 8
