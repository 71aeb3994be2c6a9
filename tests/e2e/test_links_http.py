"""The Links contract over real HTTP, against `python -m devserver` serving the repo's template."""

from __future__ import annotations

import re
import time

import pytest
import requests

from devkit.local_aws import dynamodb_client
from tests.e2e.conftest import LinksStack

pytestmark = pytest.mark.e2e


def shorten(url: str, body: dict[str, str | int]) -> requests.Response:
    return requests.post(f"{url}/shorten", json=body, timeout=30)


def test_create_returns_201_with_a_short_url_on_this_server(links_stack: LinksStack) -> None:
    response = shorten(links_stack.url, {"url": "https://example.com/a"})

    assert response.status_code == 201
    body = response.json()
    assert body["longUrl"] == "https://example.com/a"
    assert body["shortUrl"] == f"{links_stack.url}/{body['shortCode']}"


def test_redirect_is_a_301_with_location_and_private_cache(links_stack: LinksStack) -> None:
    code = shorten(links_stack.url, {"url": "https://example.com/r"}).json()["shortCode"]

    response = requests.get(f"{links_stack.url}/{code}", allow_redirects=False, timeout=30)

    assert response.status_code == 301
    assert response.headers["Location"] == "https://example.com/r"
    assert response.headers["Cache-Control"] == "private, max-age=90"


def test_stats_count_every_redirect_exactly(links_stack: LinksStack) -> None:
    code = shorten(links_stack.url, {"url": "https://example.com/s", "alias": "counted"}).json()["shortCode"]
    for _ in range(3):
        requests.get(f"{links_stack.url}/{code}", allow_redirects=False, timeout=30)

    stats = requests.get(f"{links_stack.url}/links/{code}", timeout=30)

    assert stats.status_code == 200
    assert stats.json()["clicks"] == 3
    assert stats.json()["longUrl"] == "https://example.com/s"


def test_unknown_code_is_a_404_json_error(links_stack: LinksStack) -> None:
    response = requests.get(f"{links_stack.url}/nosuchcode", allow_redirects=False, timeout=30)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert "error" in response.json()


def test_unknown_code_is_a_404_page_for_a_browser(links_stack: LinksStack) -> None:
    response = requests.get(f"{links_stack.url}/nosuchcode", headers={"Accept": "text/html"}, timeout=30)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1>" in response.text


def test_expired_link_is_a_410_before_ttl_deletes_it(links_stack: LinksStack) -> None:
    code = shorten(links_stack.url, {"url": "https://example.com/e", "expiresInDays": 1}).json()["shortCode"]
    table = dynamodb_client(links_stack.emulator_endpoint)
    table.update_item(
        TableName="LinksTable",
        Key={"shortCode": {"S": code}},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}},
    )

    response = requests.get(f"{links_stack.url}/{code}", allow_redirects=False, timeout=30)

    assert response.status_code == 410
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("not json", "application/json"), ('{"url": 42}', "application/json"), ("[]", "application/json")],
)
def test_bad_input_is_a_400_with_an_error(links_stack: LinksStack, body: str, content_type: str) -> None:
    response = requests.post(
        f"{links_stack.url}/shorten", data=body, headers={"Content-Type": content_type}, timeout=30
    )

    assert response.status_code == 400
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize(("method", "path"), [("GET", "/no/such/route"), ("DELETE", "/shorten"), ("POST", "/links/x")])
def test_unknown_route_or_method_is_api_gateways_404(links_stack: LinksStack, method: str, path: str) -> None:
    response = requests.request(method, f"{links_stack.url}{path}", timeout=30)

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_cors_preflight_is_answered_by_the_gateway_with_204_and_the_templates_settings(
    links_stack: LinksStack,
) -> None:
    response = requests.options(
        f"{links_stack.url}/shorten",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=30,
    )

    # API Gateway answers the preflight itself when CORS is configured: 204, no body (SAM: 200 text/html).
    assert (response.status_code, response.content) == (204, b"")
    assert "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_head_is_a_method_without_a_route_like_any_other(links_stack: LinksStack) -> None:
    response = requests.head(f"{links_stack.url}/links/x", timeout=30)

    assert (response.status_code, response.content) == (404, b"")
    assert response.headers["Content-Type"] == "application/json"


def test_a_trailing_slash_matches_no_route(links_stack: LinksStack) -> None:
    code = shorten(links_stack.url, {"url": "https://example.com/slash"}).json()["shortCode"]

    response = requests.get(f"{links_stack.url}/links/{code}/", timeout=30)

    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})
    assert requests.get(f"{links_stack.url}/links/{code}", timeout=30).status_code == 200


def test_responses_without_a_content_type_get_none_added(links_stack: LinksStack) -> None:
    code = shorten(links_stack.url, {"url": "https://example.com/ct"}).json()["shortCode"]
    task = requests.post(f"{links_stack.url}/users/u-ct/tasks", json={"title": "t"}, timeout=30).json()

    redirect = requests.get(f"{links_stack.url}/{code}", allow_redirects=False, timeout=30)
    deleted = requests.delete(f"{links_stack.url}/users/u-ct/tasks/{task['task_id']}", timeout=30)

    assert (redirect.status_code, deleted.status_code) == (301, 204)
    assert "Content-Type" not in redirect.headers
    assert "Content-Type" not in deleted.headers


def test_each_request_logs_its_own_api_request_id_as_correlation_id(links_stack: LinksStack) -> None:
    mark = links_stack.stack.mark()

    ids = [requests.get(f"{links_stack.url}/nosuch{n}", timeout=30).headers["apigw-requestid"] for n in range(3)]

    assert len(set(ids)) == 3
    for request_id in ids:  # each 404 is logged ("Request rejected") with its request's id
        links_stack.stack.wait_for(rf'"correlation_id":"{re.escape(request_id)}"', since=mark)


def test_seeded_demo_link_redirects(links_stack: LinksStack) -> None:
    response = requests.get(f"{links_stack.url}/demo", allow_redirects=False, timeout=30)

    assert response.status_code == 301
    assert response.headers["Location"] == "https://aws.amazon.com/serverless/sam/"


def test_start_up_prints_every_route_with_its_url(links_stack: LinksStack) -> None:
    output = links_stack.stack.output

    assert f"Mounting ShortenLinkFunction at {links_stack.url}/shorten [POST, OPTIONS]" in output
    assert f"Mounting RedirectLinkFunction at {links_stack.url}/{{shortCode}} [GET, OPTIONS]" in output
    assert f"Mounting LinkStatsFunction at {links_stack.url}/links/{{shortCode}} [GET, OPTIONS]" in output
