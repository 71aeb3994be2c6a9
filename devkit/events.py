"""HTTP API events for tests, built from the samples in events/ (the files `sam local invoke -e` uses)."""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

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
