"""The one DynamoDB client, table names from the environment, and item (de)serialisation.

The client is created once per execution environment (module import), so warm invocations
reuse its connection pool. Its endpoint comes from boto3's own `AWS_ENDPOINT_URL*`
variables, which is how the local stack points it at the emulator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Fail fast and retry a little: a redirect that waits more than a couple of seconds is worse than
# a quick 503. Three attempts in all (`total_max_attempts`; botocore's `max_attempts` would count
# retries only, i.e. four attempts): at worst 3 x 2 s + backoff of 1 s + 2 s = 9 s, inside the
# functions' 10 s Timeout, so a DynamoDB that stops answering gets a 503 from us, not a timeout.
# (Connects that each take nearly their 1 s as well would add 3 s: that case ends in a timeout.)
_CONFIG = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "total_max_attempts": 3},
)

client = boto3.client("dynamodb", config=_CONFIG)


@cache
def no_retry_client() -> DynamoDBClient:
    """A client that never retries, created on first use (only the redirect needs it).

    For writes that have a better fallback than waiting: a throttled hot item gets no quieter in
    the second or so the SDK's backoff would wait, so the caller moves the write elsewhere at once.
    """
    return boto3.client("dynamodb", config=_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 1})))


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def table_name(variable: str) -> str:
    """The name of a table, from the environment variable the template sets for it."""
    return os.environ[variable]


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python values to a DynamoDB item; `None` values are left out."""
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item to plain Python values (numbers arrive as `Decimal`)."""
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def item_at_failure(error: ClientError) -> dict[str, Any] | None:
    """The item a refused conditional write saw (`ReturnValuesOnConditionCheckFailure=ALL_OLD`),
    or None when there was no item: tells "changed" from "missing" without another call.

    Catch the refusal as `client.exceptions.ConditionalCheckFailedException` (botocore's modeled
    exception; one class for every DynamoDB client of the session), then ask this.
    """
    item = error.response.get("Item")
    return dict(item) if isinstance(item, Mapping) and item else None
