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

from common import aws_clients

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Fail fast (aws_clients.FAIL_FAST, sized for the functions' 10 s Timeout): a redirect that waits
# more than a couple of seconds is worse than a quick 503, so a DynamoDB that stops answering gets
# a 503 from us, not a timeout.
client = boto3.client("dynamodb", config=aws_clients.FAIL_FAST)


@cache
def no_retry_client() -> DynamoDBClient:
    """A client that never retries, created on first use (only the redirect needs it).

    For writes that have a better fallback than waiting: a throttled hot item gets no quieter in
    the second or so the SDK's backoff would wait, so the caller moves the write elsewhere at once.
    """
    return boto3.client(
        "dynamodb", config=aws_clients.FAIL_FAST.merge(Config(retries={"mode": "standard", "total_max_attempts": 1}))
    )


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
