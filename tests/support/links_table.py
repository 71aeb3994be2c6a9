"""Direct access to the Links table in the emulator, for arranging and checking state in tests."""

from __future__ import annotations

from typing import Any

from devkit.emulator import Emulator

TABLE = "LinksTable"  # the logical id: what `!Ref LinksTable` resolves to locally


def put_link(
    aws: Emulator, code: str, url: str, *, created_at: int, expires_at: int | None = None, clicks: int = 0
) -> None:
    item: dict[str, Any] = {
        "shortCode": {"S": code},
        "longUrl": {"S": url},
        "createdAt": {"N": str(created_at)},
        "clicks": {"N": str(clicks)},
    }
    if expires_at is not None:
        item["expiresAt"] = {"N": str(expires_at)}
    aws.dynamodb().put_item(TableName=TABLE, Item=item)


def get_item(aws: Emulator, code: str) -> dict[str, Any] | None:
    return aws.dynamodb().get_item(TableName=TABLE, Key={"shortCode": {"S": code}}).get("Item")


def count_links(aws: Emulator) -> int:
    return aws.dynamodb().scan(TableName=TABLE, Select="COUNT")["Count"]
