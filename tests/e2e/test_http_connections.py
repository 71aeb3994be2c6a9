"""What a client gets from `make run` at the socket: one request per connection, malformed requests
answered once with a 400, oversized bodies refused before they are read, idle connections closed.

Raw sockets against the real server (tests/e2e/fixture_app), as a hostile or careless client talks.
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devkit.local_server import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(fixture_stack: LocalStack) -> LocalStack:
    return fixture_stack


def connect(stack: LocalStack) -> socket.socket:
    address = urlsplit(stack.url)
    return socket.create_connection((address.hostname or "", address.port or 80), timeout=10)


def exchange(stack: LocalStack, data: bytes) -> bytes:
    """Send `data` and read until the server closes the connection (a test fails if it never does)."""
    with connect(stack) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def statuses(received: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"^HTTP/\d\.\d (\d{3}) ", received, flags=re.MULTILINE)]


def body(received: bytes) -> object:
    return json.loads(received.split(b"\r\n\r\n", 1)[1])


def test_pipelined_requests_get_one_response_and_the_connection_is_closed(stack: LocalStack) -> None:
    received = exchange(stack, b"GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n")

    assert statuses(received) == [200]
    assert b"\r\nConnection: close\r\n" in received


def test_a_request_after_an_empty_post_in_the_same_packet_is_not_served(stack: LocalStack) -> None:
    received = exchange(
        stack,
        b"POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n",
    )

    assert statuses(received) == [200]


def test_a_bad_chunk_size_is_one_400(stack: LocalStack) -> None:
    received = exchange(
        stack, b"POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    )

    assert statuses(received) == [400]
    assert body(received) == {"message": "Bad Request"}


def test_raw_bytes_in_the_url_are_read_as_their_percent_encoded_form(stack: LocalStack) -> None:
    utf8 = exchange(stack, b"GET /echo/caf\xc3\xa9?q=caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n")
    invalid = exchange(stack, b"GET /echo/a?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n")

    event = body(utf8)["event"]  # type: ignore[index]
    assert (event["rawPath"], event["pathParameters"]["word"]) == ("/echo/café", "café")
    assert (event["rawQueryString"], event["queryStringParameters"]) == ("q=caf%C3%A9", {"q": "café"})
    event = body(invalid)["event"]  # type: ignore[index]
    assert (event["rawQueryString"], event["queryStringParameters"]) == ("q=%FF", {"q": "%FF"})


def test_a_body_over_10_mb_is_refused_from_its_content_length_before_it_is_sent(stack: LocalStack) -> None:
    with connect(stack) as sock:
        sock.sendall(
            b"POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 62914560\r\n\r\n"
        )
        received = b""  # nothing of the body is sent: the answer cannot have waited for it
        while chunk := sock.recv(65536):
            received += chunk

    assert statuses(received) == [413]
    assert body(received) == {"message": "Request Entity Too Large"}


def test_idle_connections_are_closed_and_free_their_threads(stack: LocalStack) -> None:
    threads = Path(f"/proc/{stack.process.pid}/task")
    before = len(list(threads.iterdir()))
    idle = [connect(stack) for _ in range(50)]

    closed = [sock.recv(1) for sock in idle]  # b"" once the server closes it; a socket timeout fails the test

    assert closed == [b""] * 50
    for sock in idle:
        sock.close()
    deadline = time.monotonic() + 10
    while len(list(threads.iterdir())) > before + 5:  # the threads end as their connections close
        assert time.monotonic() < deadline, f"{len(list(threads.iterdir()))} threads, {before} before"
        time.sleep(0.05)
