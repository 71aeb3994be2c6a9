"""Baseline (b): the seed's naive handler style, a module-level resource, json, logging and a logger."""

import json
import logging
import os
from typing import Any

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ.get("LINKS_TABLE", "links"))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    code = (event.get("pathParameters") or {}).get("shortCode")
    item = table.get_item(Key={"shortCode": code}).get("Item")
    logger.info("redirect %s", code)
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"error": "not found"})}
    return {"statusCode": 301, "headers": {"Location": item["longUrl"]}, "body": ""}
