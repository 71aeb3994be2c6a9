"""Counting a link's clicks exactly, including when the link is hot.

Fast path: ONE conditional UpdateItem adds the click to the link's item and returns its target.
One item takes about 1,000 writes per second, so a viral link would see that write throttled.
Then the redirect still succeeds: the target comes from a read (kept in this process's memory for
a few seconds, expiry still checked), and the click goes to one of CLICK_SHARDS counter items
(`<code>#<n>`, separate keys, so separate partitions can absorb the load). Stats add them up.

A throttled write was refused before it was applied, so moving its click to a shard counts it
exactly once. These writes skip the SDK's retries (a hot item stays hot for longer than its
backoff): the next shard is the retry. Only a failure to learn the target can fail a redirect
(503, via the layer).
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from botocore.exceptions import ClientError

from common import aws_errors, clock, dynamo, errors, links
from common.observability import MetricUnit, logger, metrics

SHARD_SEPARATOR = "#"  # never in a short code, so a shard key can never be a link
TARGET_CACHE_SECONDS = 5.0
TARGET_CACHE_SIZE = 1024
SHARD_ATTEMPTS = 3

# Hot links' targets, by code: (link, monotonic time fetched). Only filled on the throttled path.
_targets: dict[str, tuple[links.Link, float]] = {}


MAX_SHARDS = 99  # stats read the link and its shards in one BatchGetItem: at most 100 keys


def shard_count() -> int:
    """How many counter shards a hot link spreads its clicks over (`CLICK_SHARDS`, 1 to 99)."""
    return min(MAX_SHARDS, max(1, int(os.environ.get("CLICK_SHARDS", "20"))))


def shard_key(short_code: str, shard: int) -> str:
    return f"{short_code}{SHARD_SEPARATOR}{shard}"


def record_click(short_code: str) -> links.Link:
    """Count one click and return the link to redirect to; 404 unknown, 410 expired."""
    links.check_code(short_code)
    try:
        response = dynamo.no_retry_client().update_item(
            TableName=links.table(),
            Key={"shortCode": {"S": short_code}},
            UpdateExpression="ADD clicks :one",
            ConditionExpression="attribute_exists(shortCode) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)",
            ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(clock.now_epoch())}},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except dynamo.client.exceptions.ConditionalCheckFailedException as refused:
        raise _refused(dynamo.item_at_failure(refused) is not None) from None
    except ClientError as error:
        if not aws_errors.is_throttled(error):
            raise
        metrics.add_metric(name="ClickWritesThrottled", unit=MetricUnit.Count, value=1)
        return _record_click_on_a_shard(short_code)
    metrics.add_metric(name="ClicksCounted", unit=MetricUnit.Count, value=1)
    return links.from_item(response["Attributes"])


def _record_click_on_a_shard(short_code: str) -> links.Link:
    link = _target(short_code)
    now = clock.now_epoch()
    if link.is_expired(now):
        raise _refused(exists=True)
    values: dict[str, Any] = {":one": {"N": "1"}}
    update = "ADD clicks :one"
    if link.expires_at is not None:  # shards expire with their link (the table's TTL)
        update += " SET expiresAt = :expires"
        values[":expires"] = {"N": str(link.expires_at)}
    for attempt in range(SHARD_ATTEMPTS):
        shard = secrets.randbelow(shard_count())
        try:
            dynamo.no_retry_client().update_item(  # another shard is the retry
                TableName=links.table(),
                Key={"shortCode": {"S": shard_key(short_code, shard)}},
                UpdateExpression=update,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if not aws_errors.is_throttled(error) or attempt == SHARD_ATTEMPTS - 1:
                # The redirect must not fail because of its counter: say loudly what was lost.
                logger.error("Click not counted", extra={"shortCode": short_code}, exc_info=True)
                metrics.add_metric(name="ClicksNotCounted", unit=MetricUnit.Count, value=1)
                return link
            continue
        metrics.add_metric(name="ClicksSharded", unit=MetricUnit.Count, value=1)
        return link
    return link  # unreachable: the loop returns on its last attempt


def _target(short_code: str) -> links.Link:
    """The link, from memory if it was read in the last few seconds, else one read (or 503)."""
    cached = _targets.get(short_code)
    if cached is not None and time.monotonic() - cached[1] < TARGET_CACHE_SECONDS:
        return cached[0]
    response = dynamo.client.get_item(TableName=links.table(), Key={"shortCode": {"S": short_code}})
    if "Item" not in response:
        raise _refused(exists=False)
    link = links.from_item(response["Item"])
    if len(_targets) >= TARGET_CACHE_SIZE:
        _targets.clear()  # crude but bounded: hot links come straight back
    _targets[short_code] = (link, time.monotonic())
    return link


def _refused(exists: bool) -> errors.ApiError:
    if exists:
        metrics.add_metric(name="RedirectsExpired", unit=MetricUnit.Count, value=1)
        return errors.Gone("This link has expired")
    metrics.add_metric(name="RedirectsNotFound", unit=MetricUnit.Count, value=1)
    return errors.NotFound("No link with this code")


def get_link_with_clicks(short_code: str) -> links.Link:
    """The link with every click: its own counter plus its shards', in ONE BatchGetItem."""
    links.check_code(short_code)
    keys = [short_code] + [shard_key(short_code, shard) for shard in range(shard_count())]
    request: dict[str, Any] = {
        links.table(): {"Keys": [{"shortCode": {"S": key}} for key in keys], "ConsistentRead": True}
    }
    items: list[dict[str, Any]] = []
    for _ in range(SHARD_ATTEMPTS):  # unprocessed keys come back only under load: ask for just those
        response = dynamo.client.batch_get_item(RequestItems=request)
        items.extend(response.get("Responses", {}).get(links.table(), []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        raise errors.ServiceUnavailable()
    by_key = {item["shortCode"]["S"]: item for item in items}
    if short_code not in by_key:
        raise errors.NotFound("No link with this code")
    link = links.from_item(by_key.pop(short_code))
    if link.is_expired(clock.now_epoch()):
        raise errors.Gone("This link has expired")
    sharded = sum(int(item.get("clicks", {}).get("N", "0")) for item in by_key.values())
    return links.Link(link.short_code, link.long_url, link.created_at, link.expires_at, link.clicks + sharded)
