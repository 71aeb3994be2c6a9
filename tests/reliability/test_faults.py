"""AWS misbehaving under the app (devkit/faults.py in front of the emulator): every route that
needs DynamoDB answers 503 with Retry-After after the SDK's retries, inside the function's timeout;
a redirect never sends anyone to a wrong place; a click is counted exactly when the redirect happened.

The layer's DynamoDB client: connect 1 s, read 2 s, standard retries with 3 attempts and backoff of
at most 1 s then 2 s: at worst 3 x 2 s + 3 s = 9 s, inside the template's Timeout of 10 s. A 503 from
the app carries `{"error"}` and Retry-After; had the function run out of time, API Gateway's own 503
(`{"message": "Service Unavailable"}`, no Retry-After) would come instead, and these tests would fail.
"""

from __future__ import annotations

import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from devkit.faults import DEFAULT_DELAY, Fault
from tests.reliability.conftest import AppServer

pytestmark = pytest.mark.e2e
TIMEOUT = 30
USER = "faulty-user"


def dynamodb_requests(server: AppServer) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """One request per route that touches DynamoDB, against data that exists (made before the fault)."""
    code = requests.post(f"{server.url}/shorten", json={"url": "https://example.com/f"}, timeout=TIMEOUT).json()
    task = requests.post(f"{server.url}/users/{USER}/tasks", json={"title": "f"}, timeout=TIMEOUT).json()
    tasks, one = f"/users/{USER}/tasks", f"/users/{USER}/tasks/{task['task_id']}"
    return {
        "shorten": ("POST", "/shorten", {"url": "https://example.com/new"}),
        "redirect": ("GET", f"/{code['shortCode']}", None),
        "stats": ("GET", f"/links/{code['shortCode']}", None),
        "qr": ("GET", f"/links/{code['shortCode']}/qr.svg", None),
        "create task": ("POST", tasks, {"title": "t"}),
        "list tasks": ("GET", tasks, None),
        "get task": ("GET", one, None),
        "patch task": ("PATCH", one, {"title": "x", "version": 1}),
        "put task": ("PUT", one, {"title": "x", "version": 1}),
        "delete task": ("DELETE", one, None),
        "attach": ("POST", f"{one}/attachments", {"filename": "a.png", "content_type": "image/png", "size": 9}),
    }


def send_all(server: AppServer, calls: dict[str, tuple[str, str, dict[str, Any] | None]]) -> dict[str, Any]:
    """Every call at once (each waits out its own retries), answers by name."""

    def send(call: tuple[str, str, dict[str, Any] | None]) -> requests.Response:
        method, path, body = call
        return requests.request(method, f"{server.url}{path}", json=body, allow_redirects=False, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return dict(zip(calls, pool.map(send, calls.values()), strict=True))


def assert_retry_later(name: str, response: requests.Response) -> None:
    assert response.status_code == 503, (name, response.status_code, response.text[:300])
    assert response.headers.get("Retry-After", "").isdigit(), (name, response.headers)
    assert set(response.json()) == {"error"}, (name, response.text)  # the app's 503, not a timed-out function
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "kind",
    [
        "throttle",
        "throughput",
        pytest.param("unavailable", marks=pytest.mark.slow),
        pytest.param("timeout", marks=pytest.mark.slow),
    ],
)
def test_every_dynamodb_route_answers_503_with_retry_after_when_dynamodb_fails(faults: AppServer, kind: str) -> None:
    calls = dynamodb_requests(faults)
    faults.set_faults(f"dynamodb:{kind}:1.0")

    answers = send_all(faults, calls)

    for name, response in answers.items():
        assert_retry_later(name, response)
    # Every request met the fault (how often each retried: tests/handlers/test_dependency_faults.py).
    assert faults.injected()[f"dynamodb:{kind}"] >= len(calls)


def test_the_web_page_needs_no_aws_and_is_served_while_dynamodb_fails(faults: AppServer) -> None:
    faults.set_faults("dynamodb:throttle:1.0")

    assert requests.get(f"{faults.url}/", timeout=TIMEOUT).status_code == 200


def test_a_fault_scoped_to_one_operation_leaves_the_others_alone(faults: AppServer) -> None:
    code = requests.post(f"{faults.url}/shorten", json={"url": "https://example.com/s"}, timeout=TIMEOUT).json()
    faults.set_faults("dynamodb:throttle:1.0:PutItem")

    create = requests.post(f"{faults.url}/shorten", json={"url": "https://example.com/t"}, timeout=TIMEOUT)
    redirect = requests.get(f"{faults.url}/{code['shortCode']}", allow_redirects=False, timeout=TIMEOUT)
    stats = requests.get(f"{faults.url}/links/{code['shortCode']}", timeout=TIMEOUT)

    assert_retry_later("shorten", create)
    assert (redirect.status_code, redirect.headers["Location"]) == (301, "https://example.com/s")
    assert (stats.status_code, stats.json()["clicks"]) == (200, 1)


def test_under_partial_throttling_a_redirect_is_right_or_503_and_every_click_is_counted_or_reported(
    faults: AppServer,
) -> None:
    target = f"https://example.com/{secrets.token_hex(4)}"
    code = requests.post(f"{faults.url}/shorten", json={"url": target}, timeout=TIMEOUT).json()["shortCode"]
    faults.set_faults("dynamodb:throttle:0.5")
    mark = faults.stack.mark()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: requests.get(f"{faults.url}/{code}", allow_redirects=False, timeout=TIMEOUT), range(40))
        )
    faults.set_faults()

    statuses = Counter(response.status_code for response in answers)
    assert set(statuses) <= {301, 503}, statuses
    assert statuses[301] > 0
    for response in answers:
        if response.status_code == 301:
            assert response.headers["Location"] == target
        else:
            assert_retry_later("redirect", response)
    clicks = requests.get(f"{faults.url}/links/{code}", timeout=TIMEOUT).json()["clicks"]
    # A throttled write never lands, so no click is counted twice or without its redirect; a click
    # the app could not store even on a counter shard is logged as lost ("Click not counted").
    lost = faults.stack.output_since(mark).count('"Click not counted"')
    assert statuses[301] - lost == clicks


@pytest.mark.parametrize("spec", ["s3:throttle:1.0", "s3:timeout=11:1.0"])
def test_attachment_routes_need_no_s3_call_so_s3_faults_do_not_reach_them(faults: AppServer, spec: str) -> None:
    """Presigning (the upload form, download links) is signing with the function's credentials:
    local computation, no request to S3. S3 trouble shows only when the browser uploads."""
    task = requests.post(f"{faults.url}/users/{USER}/tasks", json={"title": "s3"}, timeout=TIMEOUT).json()
    one = f"{faults.url}/users/{USER}/tasks/{task['task_id']}"
    faults.set_faults(spec)

    attach = requests.post(
        f"{one}/attachments", json={"filename": "a.png", "content_type": "image/png", "size": 9}, timeout=TIMEOUT
    )
    read = requests.get(one, timeout=TIMEOUT)
    listing = requests.get(f"{faults.url}/users/{USER}/tasks", timeout=TIMEOUT)

    assert (attach.status_code, read.status_code, listing.status_code) == (201, 200, 200)
    assert faults.injected() == {}  # not one S3 request was made


# --- the fault specs themselves --------------------------------------------------------------


def test_fault_specs_parse_with_their_defaults() -> None:
    assert Fault.parse("dynamodb:throttle:1.0") == Fault("dynamodb", "throttle", 1.0)
    assert Fault.parse("s3:timeout=11:0.5:GET") == Fault("s3", "timeout", 0.5, "GET", 11.0)
    assert Fault.parse("DynamoDB:timeout:1:UpdateItem").delay == DEFAULT_DELAY


@pytest.mark.parametrize("spec", ["dynamodb:throttle", "sqs:throttle:1.0", "s3:melt:1.0", "s3:throttle:2", "x"])
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="fault"):
        Fault.parse(spec)


def test_the_control_endpoint_refuses_a_bad_spec_and_keeps_serving(faults: AppServer) -> None:
    response = requests.put(f"{faults.emulator_endpoint}/devserver-api/faults", json=["s3:melt:1.0"], timeout=10)

    assert response.status_code == 400
    assert "kind must be one of" in response.json()["error"]
    assert requests.get(f"{faults.url}/links/nosuchcode", timeout=TIMEOUT).status_code == 404
