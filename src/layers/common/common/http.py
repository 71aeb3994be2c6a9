"""HTTP API (payload v2) events in, API Gateway proxy responses out.

`api_handler` is the one place where errors become responses: every `ApiError` gets its own
status and message, an overloaded dependency gets a 503 with `Retry-After`, and anything else
is logged with its stack and answered with a bare 500. It is also where each route declares who
may call it: the user a path parameter names (`owner="user_id"`), or anyone (`public=True`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, NamedTuple, TypedDict

from aws_lambda_powertools.logging import correlation_paths
from botocore.exceptions import BotoCoreError, ClientError

from common import auth, aws_errors, errors
from common.observability import logger, metrics

MAX_BODY_BYTES = 10 * 1024


class Response(TypedDict):
    statusCode: int
    headers: dict[str, str]
    body: str


class Request(NamedTuple):
    """The parts of an HTTP API event a handler needs, with header names lower-cased."""

    method: str
    path: str
    request_id: str
    domain_name: str
    headers: Mapping[str, str]
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    claims: Mapping[str, Any] | None

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Request:
        context = event.get("requestContext") or {}
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise errors.BadRequest("Request body is not valid base64") from None
        else:
            raw = body.encode("utf-8", "surrogatepass")
        jwt = (context.get("authorizer") or {}).get("jwt") or {}
        return cls(
            method=(context.get("http") or {}).get("method", ""),
            path=event.get("rawPath", ""),
            request_id=context.get("requestId", ""),
            domain_name=context.get("domainName", ""),
            headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
            path_params=event.get("pathParameters") or {},
            query=event.get("queryStringParameters") or {},
            body=raw,
            claims=jwt.get("claims"),
        )

    def path_param(self, name: str) -> str:
        """A path parameter the route guarantees (API Gateway never calls us without it)."""
        return self.path_params.get(name, "")

    @property
    def base_url(self) -> str:
        """The scheme and host this request was made to, e.g. `https://abc.execute-api...`."""
        scheme = self.headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        host = self.headers.get("host") or self.domain_name
        return f"{scheme}://{host}"

    def json_object(self, *, required: Collection[str] = (), optional: Collection[str] = ()) -> dict[str, Any]:
        """The body as a JSON object with exactly the allowed fields, or a 4xx naming the problem."""
        content_type = self.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            # curl's -d sends a form type by default: say how to send JSON instead.
            raise errors.UnsupportedMediaType(
                "Content-Type must be application/json (with curl: -H 'Content-Type: application/json')"
            )
        if len(self.body) > MAX_BODY_BYTES:
            raise errors.PayloadTooLarge(f"Request body must be at most {MAX_BODY_BYTES} bytes")
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.BadRequest("Request body is not valid UTF-8") from None
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise errors.BadRequest("Request body is not valid JSON") from None
        if not isinstance(value, dict):
            raise errors.BadRequest("Request body must be a JSON object")
        if "\\u" in text and _has_lone_surrogate(value):  # JSON may escape half a UTF-16 pair: "\\ud800"
            raise errors.BadRequest("Request body is not valid JSON: unpaired surrogate escape")
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            raise errors.BadRequest(f"Unknown field(s): {', '.join(unknown)}")
        missing = [name for name in required if name not in value]
        if missing:
            raise errors.BadRequest(f"Missing field: {missing[0]}")
        return value

    def prefers_html(self) -> bool:
        accept = self.headers.get("accept", "")
        return "text/html" in accept and "application/json" not in accept


def _has_lone_surrogate(value: Any) -> bool:
    """True when a parsed JSON value holds half a surrogate pair: not text, and DynamoDB refuses it."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_response(body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response; every response is built fresh so no header leaks between invocations."""
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    }


def no_content() -> Response:
    """204: done, nothing to say."""
    return {"statusCode": 204, "headers": {}, "body": ""}


# Error pages carry one inline style and no script; pages with scripts pass their own policy.
ERROR_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"


def html_response(
    body: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    csp: str = ERROR_PAGE_CSP,
    max_age: int | None = None,
) -> Response:
    """An HTML response that can load and run only what `csp` allows (by default: nothing but
    inline style); public caches may keep it for `max_age` seconds, else it is never stored."""
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": f"public, max-age={max_age}" if max_age is not None else "no-store",
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            **(headers or {}),
        },
        "body": body,
    }


def svg_response(body: str, *, max_age: int) -> Response:
    """An SVG image for public caches; opened on its own it may load and run nothing."""
    return {
        "statusCode": 200,
        "headers": {
            "Content-Type": "image/svg+xml",
            "Cache-Control": f"public, max-age={max_age}",
            "Content-Security-Policy": "default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
        "body": body,
    }


def redirect(location: str, *, max_age: int) -> Response:
    """A permanent redirect that browsers may cache privately for `max_age` seconds only,
    so repeat visits still reach us and are counted."""
    return {
        "statusCode": 301,
        "headers": {"Location": location, "Cache-Control": f"private, max-age={max_age}"},
        "body": "",
    }


def error_response(error: errors.ApiError, request: Request | None = None) -> Response:
    """`{"error": message}` with the error's status, or a small page for a browser."""
    if request is not None and request.prefers_html():
        title = html.escape(error.message)
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{error.status} {title}</title>"
            "<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style>"
            f"<h1>{title}</h1><p>HTTP {error.status}</p></html>"
        )
        return html_response(page, status=error.status, headers=error.headers)
    return json_response({"error": error.message, **error.details}, status=error.status, headers=error.headers)


def _as_api_error(exc: Exception) -> errors.ApiError | None:
    """Map a dependency failure the client can retry to a 503; anything else is a bug (None)."""
    if isinstance(exc, ClientError):
        if aws_errors.is_retryable(exc):
            return errors.ServiceUnavailable()
    elif isinstance(exc, BotoCoreError):  # timeouts and connection failures after the SDK's retries
        return errors.ServiceUnavailable()
    return None


type Route = Callable[[Request], Response]


class ApiHandler:
    """A Lambda handler for HTTP API events around one route function; `owner` is the path parameter
    naming the user the route acts for (None: a public route). Made by `api_handler`."""

    def __init__(self, route: Route, owner: str | None) -> None:
        self.route = route
        self.owner = owner
        self._instrumented = logger.inject_lambda_context(
            correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
        )(metrics.log_metrics(self._handle))
        functools.update_wrapper(self, route)

    def __call__(self, event: dict[str, Any], context: Any) -> Response:
        return self._instrumented(event, context)  # type: ignore[no-any-return]

    def _handle(self, event: dict[str, Any], context: Any) -> Response:
        request: Request | None = None
        try:
            request = Request.from_event(event)
            # Every log line of this request says which link or user it was about.
            logger.append_keys(**{name: value[:64] for name, value in request.path_params.items()})
            if self.owner is not None:
                auth.check_owner(self.owner, request.path_params, request.claims)
            return self.route(request)
        except errors.ApiError as error:
            logger.info("Request rejected", extra={"status": error.status, "error": error.message})
            return error_response(error, request)
        except Exception as exc:
            mapped = _as_api_error(exc)
            if mapped is not None:
                logger.warning("Dependency unavailable", exc_info=True)
                return error_response(mapped, request)
            logger.exception("Unhandled error")
            return json_response({"error": "Internal server error"}, status=500)


def api_handler(*, owner: str | None = None, public: bool = False) -> Callable[[Route], ApiHandler]:
    """Turn `route(Request) -> Response` into a Lambda handler for HTTP API events.

    Each route says who may call it, exactly one of: `owner="user_id"`, the path parameter naming
    the user the route acts for (with AuthMode=cognito the caller's token must be that user's: see
    `auth`), or `public=True`. tests/template/test_route_access.py holds every route of
    template.yaml to it: a route behind the JWT authorizer must name an owner its path has.
    Logs carry the API request id as correlation id; metrics are flushed after every call.
    """
    if public == (owner is not None):
        raise TypeError("api_handler needs exactly one of owner='<path parameter>' or public=True")

    def wrap(route: Route) -> ApiHandler:
        return ApiHandler(route, owner)

    return wrap
