"""A hot link: when its item's writes are throttled, redirects still work and clicks stay exact.

The emulator's per-item write limit (devkit/hot_items.py) plays DynamoDB's partition limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from common import link_clicks
from devkit.emulator import Emulator
from devkit.events import redirect_event, stats_event
from tests.conftest import Invoke
from tests.support.links_table import get_item, put_link

REDIRECT = "RedirectLinkFunction"


@pytest.fixture
def item_writes(aws: Emulator) -> Iterator[None]:
    """A fresh target cache per test, and the emulator's write limit / faults off afterwards."""
    link_clicks._targets.clear()
    yield
    requests.put(f"{aws.endpoint}/devserver-api/item-write-limit", json={"limit": None}, timeout=5)
    requests.delete(f"{aws.endpoint}/devserver-api/faults", timeout=5)
    link_clicks._targets.clear()


def limit_item_writes(aws: Emulator, per_second: float) -> None:
    response = requests.put(f"{aws.endpoint}/devserver-api/item-write-limit", json={"limit": per_second}, timeout=5)
    response.raise_for_status()


def redirect(invoke_function: Invoke, code: str) -> dict[str, object]:
    response: dict[str, object] = invoke_function(REDIRECT, redirect_event(code))
    return response


def stats_clicks(invoke_function: Invoke, code: str) -> int:
    clicks: int = json.loads(invoke_function("LinkStatsFunction", stats_event(code))["body"])["clicks"]
    return clicks


def test_fast_path_counts_on_the_link_itself_in_one_call(
    invoke_function: Invoke, aws: Emulator, item_writes: None, dynamodb_calls: list[str]
) -> None:
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1)
    limit_item_writes(aws, 100)

    response = redirect(invoke_function, "hot1234")

    assert response["statusCode"] == 301
    assert dynamodb_calls == ["UpdateItem"]
    assert get_item(aws, "hot1234")["clicks"] == {"N": "1"}  # type: ignore[index]


def test_a_throttled_click_goes_to_a_shard_and_the_redirect_still_works(
    invoke_function: Invoke, aws: Emulator, item_writes: None, dynamodb_calls: list[str]
) -> None:
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1)
    limit_item_writes(aws, 0.001)  # every item takes one write, then nearly nothing
    assert redirect(invoke_function, "hot1234")["statusCode"] == 301  # the link's one write
    dynamodb_calls.clear()

    response = redirect(invoke_function, "hot1234")

    assert response["statusCode"] == 301
    assert response["headers"]["Location"] == "https://example.com/hot"  # type: ignore[index]
    assert dynamodb_calls == ["UpdateItem", "GetItem", "UpdateItem"]  # throttled, target, shard
    assert get_item(aws, "hot1234")["clicks"] == {"N": "1"}  # type: ignore[index]
    requests.put(f"{aws.endpoint}/devserver-api/item-write-limit", json={"limit": None}, timeout=5)
    assert stats_clicks(invoke_function, "hot1234") == 2


def test_a_hot_links_target_is_read_once_then_served_from_memory(
    invoke_function: Invoke, aws: Emulator, item_writes: None, dynamodb_calls: list[str]
) -> None:
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1)
    limit_item_writes(aws, 0.001)  # every item takes one write, then nearly nothing
    many_shards = {"CLICK_SHARDS": "99"}  # so 5 clicks on random shards almost surely find free ones

    for _ in range(6):
        response = invoke_function(REDIRECT, redirect_event("hot1234"), many_shards)
        assert response["statusCode"] == 301

    assert dynamodb_calls.count("GetItem") == 1  # 5 throttled clicks, one read of the target
    requests.put(f"{aws.endpoint}/devserver-api/item-write-limit", json={"limit": None}, timeout=5)
    clicks = json.loads(invoke_function("LinkStatsFunction", stats_event("hot1234"), many_shards)["body"])["clicks"]
    assert clicks == 6  # exact: 1 on the link, 5 on shards


def test_expiry_is_honoured_for_a_cached_target(invoke_function: Invoke, aws: Emulator, item_writes: None) -> None:
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1, expires_at=int(time.time()) + 2)
    limit_item_writes(aws, 0)
    assert redirect(invoke_function, "hot1234")["statusCode"] == 301  # caches the target

    time.sleep(max(0.0, int(time.time()) + 3 - time.time()))  # past expiresAt, within the cache's 5 s
    response = redirect(invoke_function, "hot1234")

    assert response["statusCode"] == 410


def test_shards_expire_with_their_link(invoke_function: Invoke, aws: Emulator, item_writes: None) -> None:
    expires_at = int(time.time()) + 3600
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1, expires_at=expires_at)
    limit_item_writes(aws, 0.001)
    redirect(invoke_function, "hot1234")
    redirect(invoke_function, "hot1234")

    shards = aws.dynamodb().scan(TableName="LinksTable", FilterExpression="begins_with(shortCode, :hot)",
                                 ExpressionAttributeValues={":hot": {"S": "hot1234#"}})["Items"]  # fmt: skip
    assert shards
    assert all(shard["expiresAt"] == {"N": str(expires_at)} for shard in shards)


def test_unknown_code_is_still_404_when_throttled(invoke_function: Invoke, aws: Emulator, item_writes: None) -> None:
    limit_item_writes(aws, 0)

    assert redirect(invoke_function, "nope123")["statusCode"] == 404


def test_when_the_target_cannot_be_read_the_redirect_is_503_with_retry_after(
    invoke_function: Invoke, aws: Emulator, item_writes: None
) -> None:
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1)
    limit_item_writes(aws, 0)
    requests.put(
        f"{aws.endpoint}/devserver-api/faults", json=["dynamodb:unavailable:1.0:GetItem"], timeout=5
    ).raise_for_status()

    response = redirect(invoke_function, "hot1234")

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"]  # type: ignore[index]
    assert "Location" not in response["headers"]  # type: ignore[operator]


def test_when_every_shard_is_throttled_too_the_redirect_still_succeeds(
    invoke_function: Invoke, aws: Emulator, item_writes: None
) -> None:
    put_link(aws, "hot1234", "https://example.com/hot", created_at=1)
    limit_item_writes(aws, 0)  # shards included: the click cannot be counted, and says so in the log

    response = redirect(invoke_function, "hot1234")

    assert response["statusCode"] == 301
    assert response["headers"]["Location"] == "https://example.com/hot"  # type: ignore[index]
