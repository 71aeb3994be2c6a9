"""Sleeps as long as asked (`?seconds=`), past its 1 s timeout if told to."""

import time
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    seconds = float((event.get("queryStringParameters") or {}).get("seconds", "5"))
    time.sleep(seconds)
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": f"slept {seconds}"}
