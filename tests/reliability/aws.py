"""The emulator behind a running server, seen from the test: every stored link and task, as plain values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from devkit.local_aws import dynamodb_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LINKS_TABLE = "LinksTable"  # what `!Ref LinksTable` names locally (the logical id)
TASKS_TABLE = "TasksTable"
_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class EmulatorTables:
    endpoint: str

    def dynamodb(self) -> DynamoDBClient:
        return dynamodb_client(self.endpoint)

    def scan(self, table: str) -> Iterator[dict[str, Any]]:
        """Every item of `table`, deserialised (numbers as Decimal), page by page."""
        for page in self.dynamodb().get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                yield {key: _deserializer.deserialize(value) for key, value in item.items()}

    def links(self) -> list[dict[str, Any]]:
        return list(self.scan(LINKS_TABLE))

    def tasks(self) -> list[dict[str, Any]]:
        return list(self.scan(TASKS_TABLE))

    def link(self, code: str) -> dict[str, Any] | None:
        item = self.dynamodb().get_item(TableName=LINKS_TABLE, Key={"shortCode": {"S": code}}).get("Item")
        return {key: _deserializer.deserialize(value) for key, value in item.items()} if item else None
