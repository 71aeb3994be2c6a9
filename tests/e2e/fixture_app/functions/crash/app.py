"""Fails the way asked (`?how=raise|exit`), or answers normally when not asked to."""

import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    how = (event.get("queryStringParameters") or {}).get("how")
    if how == "raise":
        raise RuntimeError("secret internals: db password is hunter2")
    if how == "exit":
        os._exit(3)
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": f"fine in {os.getpid()}"}
