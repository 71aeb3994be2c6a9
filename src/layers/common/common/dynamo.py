"""The one DynamoDB client, table names from the environment, and item (de)serialisation.

The client is created once per execution environment (module import), so warm invocations
reuse its connection pool. Its endpoint comes from boto3's own `AWS_ENDPOINT_URL*`
variables, which is how the local stack points it at the emulator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

# Fail fast and retry a little: an API Gateway integration gives up after 30 s, and a
# redirect that waits more than a couple of seconds is worse than a quick 503.
_CONFIG = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "max_attempts": 3},
)

client = boto3.client("dynamodb", config=_CONFIG)

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


def is_condition_failure(error: ClientError) -> bool:
    """True when a conditional write was refused because its condition did not hold."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def item_at_failure(error: ClientError) -> dict[str, Any] | None:
    """The item a refused conditional write saw (`ReturnValuesOnConditionCheckFailure=ALL_OLD`),
    or None when there was no item: tells "changed" from "missing" without another call."""
    item = error.response.get("Item")
    return dict(item) if isinstance(item, Mapping) and item else None
