"""Answers with what it received, so tests can see the event and environment the local stack gives a handler."""

import base64
import json
import os
from typing import Any

ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "GREETING", "AWS_LAMBDA_FUNCTION_NAME", "TZ")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    if query.get("size"):  # a text body of this many bytes
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "x" * int(query["size"])}
    if query.get("binary"):
        # A binary body goes back base64-encoded, flagged so API Gateway decodes it.
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "isBase64Encoded": True,
            "body": base64.b64encode(bytes(range(256))).decode(),
        }
    body = {
        "event": event,
        "env": {name: os.environ.get(name) for name in ENVIRONMENT},
        "pid": os.getpid(),
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
    print(f"echo says hi to {event['rawPath']}")  # a log line: the console's, never the response's
    return {
        "statusCode": int(query.get("status", "200")),
        "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
        "cookies": ["a=1; Path=/", "b=2; Path=/"],
        "body": json.dumps(body),
    }
