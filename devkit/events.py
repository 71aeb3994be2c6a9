"""Lambda events for tests and the bench, built from the samples in events/ (the files `sam local invoke -e` uses):
HTTP API requests, S3 notifications, DynamoDB stream batches, scheduled events and SQS batches."""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

EVENTS = Path(__file__).resolve().parents[1] / "events"


@cache
def _sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def sample_event(name: str) -> dict[str, Any]:
    """A fresh copy of `events/<name>.json`."""
    return copy.deepcopy(_sample(name))


def http_event(
    method: str,
    path: str,
    *,
    route: str | None = None,
    path_params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    raw_body: bytes | str | None = None,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload v2 event: the shorten sample with the request's own parts.

    `body` is sent as JSON; `raw_body` as given (bytes go base64-encoded, as API Gateway does
    for binary bodies).
    """
    event = sample_event("shorten_link")
    route_key = f"{method} {route or path}"
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"] = {k: v for k, v in event["headers"].items() if k not in ("content-type", "content-length")}
    event.pop("body", None)
    event.pop("pathParameters", None)
    if path_params:
        event["pathParameters"] = dict(path_params)
    if query:
        event["queryStringParameters"] = dict(query)
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    if body is not None:
        raw_body = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    if isinstance(raw_body, bytes):
        event["body"] = base64.b64encode(raw_body).decode()
        event["isBase64Encoded"] = True
    elif raw_body is not None:
        event["body"] = raw_body
    event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


# The Links routes, as API Gateway would send them.
def shorten_event(body: Any = None, **kwargs: Any) -> dict[str, Any]:
    return http_event("POST", "/shorten", body=body, **kwargs)


def redirect_event(code: str, **kwargs: Any) -> dict[str, Any]:
    return http_event("GET", f"/{code}", route="/{shortCode}", path_params={"shortCode": code}, **kwargs)


def stats_event(code: str, **kwargs: Any) -> dict[str, Any]:
    return http_event("GET", f"/links/{code}", route="/links/{shortCode}", path_params={"shortCode": code}, **kwargs)


def qr_event(code: str, **kwargs: Any) -> dict[str, Any]:
    route = "/links/{shortCode}/qr.svg"
    return http_event("GET", f"/links/{code}/qr.svg", route=route, path_params={"shortCode": code}, **kwargs)


# The Tasks routes.
def task_event(
    method: str, user_id: str, task_id: str | None = None, *, suffix: str = "", **kwargs: Any
) -> dict[str, Any]:
    """`/users/{user_id}/tasks[/{task_id}][suffix]` with its path parameters filled in."""
    route = "/users/{user_id}/tasks" + ("/{task_id}" if task_id is not None else "") + suffix
    path_params = {"user_id": user_id, **({"task_id": task_id} if task_id is not None else {})}
    path = route.replace("{user_id}", user_id).replace("{task_id}", task_id or "")
    return http_event(method, path, route=route, path_params=path_params, **kwargs)


# The event sources that are not the API.
def s3_event(bucket: str, key: str, *, etag: str | None, size: int, moto_style: bool = True) -> dict[str, Any]:
    """An S3 ObjectCreated notification for one object. Keys arrive URL-encoded: AWS encodes like
    `quote_plus` keeping "/", moto encodes "/" too (`uploads%2Fu%2F...`)."""
    event = sample_event("process_upload")
    record = event["Records"][0]
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    record["s3"]["object"]["key"] = quote(key, safe="" if moto_style else "/").replace("%20", "+")
    record["s3"]["object"]["size"] = size
    if etag is None:
        record["s3"]["object"].pop("eTag")
    else:
        record["s3"]["object"]["eTag"] = etag
    return event


def stream_event(*tasks: tuple[str, str], event_name: str = "REMOVE") -> dict[str, Any]:
    """A DynamoDB stream batch with one record per (user_id, task_id), sequence numbers 1, 2, 3..."""
    template = sample_event("cleanup_task")["Records"][0]
    records = []
    for number, (user_id, task_id) in enumerate(tasks, start=1):
        record = {**template, "eventName": event_name, "eventID": f"event-{number}"}
        record["dynamodb"] = {
            **template["dynamodb"],
            "Keys": {"user_id": {"S": user_id}, "task_id": {"S": task_id}},
            "SequenceNumber": str(number),
        }
        records.append(record)
    return {"Records": records}


def schedule_event(time: str) -> dict[str, Any]:
    """EventBridge's scheduled event for a run at `time` ("2026-12-24T09:00:00Z")."""
    event = sample_event("queue_due_reminders")
    event["time"] = time
    return event


def sqs_event(*bodies: str) -> dict[str, Any]:
    """An SQS batch with one record per message body, message ids msg-1, msg-2, ..."""
    template = sample_event("send_reminders")["Records"][0]
    return {
        "Records": [
            {**template, "messageId": f"msg-{number}", "body": body} for number, body in enumerate(bodies, start=1)
        ]
    }
