"""How functions run under `make run`: warm processes, timeouts, crashes, logs, events and results.

Served from tests/e2e/fixture_app (test-only functions), through the real server and port.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from devkit.local_server import LocalStack, is_running

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(fixture_stack: LocalStack) -> LocalStack:
    return fixture_stack


def echo(stack: LocalStack, path: str = "/echo/hi", **kwargs: object) -> requests.Response:
    return requests.get(f"{stack.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def test_a_handler_past_its_timeout_is_killed_and_answered_503(stack: LocalStack) -> None:
    mark = stack.mark()

    response = requests.get(f"{stack.url}/sleep", params={"seconds": "30"}, timeout=30)

    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
    stack.wait_for(r"Task timed out after 1\.00 seconds", since=mark)
    stack.wait_for(r"REPORT RequestId: \S+\tDuration: 1000\.00 ms.*Status: timeout", since=mark)


def test_the_next_request_after_a_timeout_gets_a_fresh_worker(stack: LocalStack) -> None:
    requests.get(f"{stack.url}/sleep", params={"seconds": "30"}, timeout=30)

    response = requests.get(f"{stack.url}/sleep", params={"seconds": "0"}, timeout=30)

    assert response.status_code == 200
    assert response.text == "slept 0.0"


def test_a_raising_handler_gives_500_without_internals_and_the_next_request_works(stack: LocalStack) -> None:
    mark = stack.mark()

    failed = requests.get(f"{stack.url}/crash", params={"how": "raise"}, timeout=30)
    after = requests.get(f"{stack.url}/crash", timeout=30)

    assert failed.status_code == 500
    assert failed.json() == {"message": "Internal Server Error"}
    assert "hunter2" not in failed.text
    assert after.status_code == 200
    # The traceback is the console's.
    stack.wait_for(r"\[ERROR\] RuntimeError: secret internals", since=mark)
    assert "Traceback (most recent call last)" in stack.output_since(mark)


def test_a_handler_that_exits_its_process_gives_500_and_a_new_worker_takes_over(stack: LocalStack) -> None:
    failed = requests.get(f"{stack.url}/crash", params={"how": "exit"}, timeout=30)
    after = requests.get(f"{stack.url}/crash", timeout=30)

    assert failed.status_code == 500
    assert failed.json() == {"message": "Internal Server Error"}
    assert after.status_code == 200


def test_each_invocation_logs_start_end_and_report_and_stays_warm(stack: LocalStack) -> None:
    mark = stack.mark()

    first = echo(stack).json()
    second = echo(stack).json()

    assert first["pid"] == second["pid"]  # the same warm process
    rid = second["requestId"]
    stack.wait_for(rf"^START RequestId: {rid} Version: \$LATEST$", since=mark)
    stack.wait_for(rf"^END RequestId: {rid}$", since=mark)
    report = stack.wait_for(rf"^REPORT RequestId: {rid}\t", since=mark)
    assert re.match(
        r"REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t"
        r"Max Memory Used: \d+ MB$",
        report.strip(),
    )
    assert "echo says hi to /echo/hi" in stack.output_since(mark)


def test_functions_get_the_template_environment_and_the_emulator_endpoint(stack: LocalStack) -> None:
    body = echo(stack).json()

    assert body["env"]["GREETING"] == "hello from the template"
    assert body["env"]["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert body["env"]["AWS_REGION"] == "us-east-1"
    assert body["env"]["AWS_ACCESS_KEY_ID"] == "local"
    assert body["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"
    assert 0 < body["remainingMs"] <= 3000


def test_concurrent_requests_run_in_parallel_workers(stack: LocalStack) -> None:
    with ThreadPoolExecutor(3) as pool:
        pids = set(pool.map(lambda _: echo(stack, params={"hold": "1"}).json()["pid"], range(9)))

    assert 1 <= len(pids) <= 3  # scaled out as needed, never past --workers


def test_the_event_is_http_api_payload_v2_with_path_and_multi_value_query(stack: LocalStack) -> None:
    event = echo(stack, "/echo/bonjour?tag=a&tag=b&x=1", headers={"X-Custom": "kept"}).json()["event"]

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /echo/{word}"
    assert event["rawPath"] == "/echo/bonjour"
    assert event["pathParameters"] == {"word": "bonjour"}
    assert event["queryStringParameters"] == {"tag": "a,b", "x": "1"}
    assert event["headers"]["x-custom"] == "kept"
    assert event["requestContext"]["http"]["method"] == "GET"


def test_event_headers_are_lower_cased_with_repeated_ones_joined_by_commas(stack: LocalStack) -> None:
    address = urlsplit(stack.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.putrequest("POST", "/echo/hi")
    for name, value in [("X-Repeated", "one"), ("x-repeated", "two"), ("Content-Type", "text/plain")]:
        connection.putheader(name, value)
    connection.putheader("Content-Length", "2")
    connection.endheaders(b"hi")
    event = json.loads(connection.getresponse().read())["event"]
    connection.close()

    assert event["headers"]["x-repeated"] == "one,two"
    assert event["headers"]["content-type"] == "text/plain"
    assert event["headers"]["content-length"] == "2"
    assert all(name == name.lower() for name in event["headers"])
    assert (event["body"], event["isBase64Encoded"]) == ("hi", False)


def test_a_binary_request_body_arrives_base64_encoded(stack: LocalStack) -> None:
    payload = bytes(range(256))

    event = requests.post(
        f"{stack.url}/echo/bin", data=payload, headers={"Content-Type": "application/octet-stream"}, timeout=30
    ).json()["event"]

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_response_headers_cookies_status_and_binary_bodies_pass_through(stack: LocalStack) -> None:
    response = echo(stack, params={"status": "202"})
    binary = echo(stack, params={"binary": "1"})

    assert response.status_code == 202
    assert response.headers["X-Echo"] == "yes"
    assert response.headers["Content-Type"] == "application/json"
    assert {"a", "b"} <= set(response.cookies.keys())
    assert binary.content == bytes(range(256))


def test_a_response_over_lambdas_6_mb_is_a_500_as_in_aws(stack: LocalStack) -> None:
    mark = stack.mark()

    too_large = echo(stack, params={"size": str(7 * 1024 * 1024)})
    fits = echo(stack, params={"size": str(5 * 1024 * 1024)})

    assert (too_large.status_code, too_large.json()) == (500, {"message": "Internal Server Error"})
    stack.wait_for(r"EchoFunction: \S+ Response payload size exceeded maximum allowed payload size", since=mark)
    assert (fits.status_code, len(fits.content)) == (200, 5 * 1024 * 1024)


def test_each_request_has_its_own_api_request_id(stack: LocalStack) -> None:
    responses = [echo(stack) for _ in range(3)]

    ids = [response.json()["event"]["requestContext"]["requestId"] for response in responses]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", request_id) for request_id in ids)  # as API Gateway's
    assert [response.headers["apigw-requestid"] for response in responses] == ids


def test_a_worker_killed_while_idle_costs_no_request(stack: LocalStack) -> None:
    first = echo(stack).json()["pid"]
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while is_running(first):
        assert time.monotonic() < deadline, "the killed worker is still running"
        time.sleep(0.02)

    responses = [echo(stack) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert first not in {response.json()["pid"] for response in responses}
