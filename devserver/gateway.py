"""The HTTP API, from the template, through SAM CLI's own local API service, answering as API Gateway does.

SAM's `LocalApigwService` gives us routes, path parameters, payload v2 events and CORS exactly as
`sam local start-api` has them. Where it answers differently from a real HTTP API, this subclass
answers like the real one (docs/local-stack.md lists these, with AWS's documentation):

- unknown route or method, HEAD included: 404 `{"message":"Not Found"}` (SAM: 403 "Missing
  Authentication Token", and a 502 for HEAD on a GET route);
- a path with a trailing slash matches no route without one (SAM ignores trailing slashes);
- a CORS preflight: 204 with the CORS headers and no body (SAM: 200 text/html);
- a function's response that has a statusCode keeps its headers: no Content-Type is added;
- a handler that raised, whose process died, or whose response is over Lambda's 6 MB:
  500 `{"message":"Internal Server Error"}`; past its timeout: 503 `{"message":"Service Unavailable"}`;
- a body over API Gateway's 10 MB: 413 `{"message":"Request Entity Too Large"}`, from its
  Content-Length, before it is read; a malformed request: 400 `{"message":"Bad Request"}`;
- every request has its own id (`requestContext.requestId`, and the `apigw-requestid` response
  header), in API Gateway's shape (SAM gives every request the same one);
- payload v2 events: header names lower-cased (repeated headers joined with commas), a body that
  is not text sent base64-encoded (SAM fails such requests), and the request's own time (SAM
  stamps every event with the time its module was imported);
- a route under the template's JWT authorizer (`make run AUTH=cognito`): the token checked before
  any function runs (devserver/authorizer.py), its claims in the event (SAM skips JWT authorizers).

It is a Flask app (`gateway.app`): the real server serves it, and tests drive it in-process
with `gateway.app.test_client()`.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import secrets
import time
from typing import Any

from flask import Flask, Request, Response, g, jsonify, make_response, request
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.provider import Cors, Function
from samcli.local.apigw import local_apigw_service
from samcli.local.apigw.event_constructor import construct_v2_event_http
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.path_converter import PathConverter
from samcli.local.apigw.route import Route
from samcli.local.lambdafn.config import FunctionConfig
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest, NotFound

from devkit.local_aws import REGION
from devkit.stack import Stack
from devserver.authorizer import Authorizers, Forbidden, Unauthorized
from devserver.runtime import FunctionError, FunctionTimedOut, WarmRuntime

LOG = logging.getLogger("devserver.gateway")
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload quota for HTTP APIs
# What API Gateway passes to a function as text; any other body arrives base64-encoded.
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
)


class _NoTelemetry:
    """SAM's request handler records a usage event per request and posts them to AWS every ten (when
    the developer's SAM CLI has telemetry on: a thread and an HTTPS call on the request path). A
    local server reports nothing."""

    @staticmethod
    def track_event(*_: Any, **__: Any) -> None:
        return None


local_apigw_service.EventTracker = _NoTelemetry


class _ResolvedOnceRunner(LocalLambdaRunner):  # type: ignore[misc]  # SAM CLI ships no type hints
    """SAM's runner, resolving each function's `FunctionConfig` once instead of on every request.

    The config (code folder, handler, layers, timeout, memory, environment) comes from the template,
    which is read once at start-up, and from this process's environment, set before the first
    request; code edits change none of it (devserver/code_watch.py retires the workers on those).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._configs: dict[tuple[str, str | None], FunctionConfig] = {}

    def get_invoke_config(self, function: Function, override_runtime: str | None = None) -> FunctionConfig:
        key = (function.full_path, override_runtime)
        config = self._configs.get(key)
        if config is None:
            config = self._configs[key] = super().get_invoke_config(function, override_runtime)
        return config


def _api_error(status: int, message: str) -> Response:
    response: Response = make_response(jsonify({"message": message}), status)
    return response


class Gateway(LocalApigwService):  # type: ignore[misc]  # SAM CLI ships no type hints
    """SAM's local HTTP API with API Gateway's own answers."""

    authorizers: Authorizers | None = None  # the template's JWT authorizers, when they are enforced

    @property
    def app(self) -> Flask:
        app: Flask = self._app
        return app

    def create(self) -> None:
        super().create()
        # API Gateway matches a route in full: "/links/x/" is not "/links/{shortCode}", and "//x"
        # is not "/x" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
        self._app.url_map.merge_slashes = False
        for rule in self._app.url_map.iter_rules():
            rule.strict_slashes = True
            rule.merge_slashes = False
        # HTTP APIs take payloads up to 10 MB (API Gateway quotas); Flask refuses a larger body from
        # its Content-Length before reading it, and a chunked one as soon as it passes the limit.
        self._app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
        self._app.before_request(_assign_request_id)
        self._app.after_request(_send_request_id)

    def _construct_error_handling(self) -> None:
        self._app.register_error_handler(400, lambda _: _api_error(400, "Bad Request"))
        self._app.register_error_handler(404, lambda _: _api_error(404, "Not Found"))
        # A real HTTP API has no notion of "method not allowed": a route is method + path.
        self._app.register_error_handler(405, lambda _: _api_error(404, "Not Found"))
        self._app.register_error_handler(413, lambda _: _api_error(413, "Request Entity Too Large"))
        self._app.register_error_handler(500, lambda _: _api_error(500, "Internal Server Error"))

    def _get_current_route(self, flask_request: Request) -> Route:
        try:
            route: Route = super()._get_current_route(flask_request)
        except KeyError:  # e.g. HEAD: Werkzeug matches it to a GET rule, but no route has that method
            raise NotFound from None
        return route

    def _generate_lambda_event(self, flask_request: Request, route: Any, method: str, endpoint: str) -> dict[str, Any]:
        if route.event_type != Route.HTTP or route.payload_format_version not in (None, "2.0"):
            event: dict[str, Any] = super()._generate_lambda_event(flask_request, route, method, endpoint)
            event["requestContext"]["requestId"] = g.request_id
            return event
        # SAM's own v2 branch, with the request's body type deciding base64 (as API Gateway does).
        binary_types = list(self.api.binary_media_types or [])
        if not _is_text(flask_request):
            binary_types.append(flask_request.mimetype)
        now = time.time()
        event = construct_v2_event_http(
            flask_request=flask_request,
            port=self.port,
            binary_types=binary_types,
            stage_name=self.api.stage_name,
            stage_variables=self.api.stage_variables,
            route_key=_v2_route_key(method, endpoint, route.is_default_route),
            request_time_epoch=int(now),
            request_time=time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        )
        # Werkzeug's headers are the WSGI environ's: a repeated header's values already joined with commas.
        headers = {name.lower(): value for name, value in flask_request.headers.items()}
        headers.update({k.lower(): v for k, v in event["headers"].items() if k.lower().startswith("x-forwarded-")})
        event["headers"] = headers
        event["requestContext"]["timeEpoch"] = int(now * 1000)
        event["requestContext"]["requestId"] = g.request_id
        if g.get("authorization") is not None:
            event["requestContext"]["authorizer"] = g.authorization.event_context()
        return event

    def _request_handler(self, **kwargs: Any) -> Response:
        route = self._get_current_route(request)
        cors = route.cors if route.cors is not None else self.api.cors
        if request.method == "OPTIONS" and cors and route.event_type == Route.HTTP:
            # With CORS configured, API Gateway answers preflight requests itself, without calling a
            # function (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html): 204, no body.
            headers = Cors.cors_to_headers(cors, request.headers.get("Origin"), route.event_type)
            return self.service_response("", Headers(headers), 204)
        refused = self._authorize(route)
        if refused is not None:
            return refused
        try:
            response: Response = super()._request_handler(**kwargs)
        except FunctionTimedOut:
            return _api_error(503, "Service Unavailable")
        except FunctionError:
            return _api_error(500, "Internal Server Error")
        return response

    def _authorize(self, route: Route) -> Response | None:
        """The authorizer's refusal, if the route has one and it refuses; else None, with the caller's
        claims kept for the event."""
        if self.authorizers is None:
            return None
        try:
            headers = {name.lower(): value for name, value in request.headers.items()}
            g.authorization = self.authorizers.authorize(request.method, route.path, headers, request.args)
        except Unauthorized as refusal:
            LOG.info("Unauthorized %s %s: %s", request.method, route.path, refusal)  # the route's path: no client text
            response = _api_error(401, "Unauthorized")
            header = refusal.www_authenticate()
            if header:
                response.headers["WWW-Authenticate"] = header
            return response
        except Forbidden:
            LOG.info("Forbidden %s %s: the token has none of the route's scopes", request.method, route.path)
            return _api_error(403, "Forbidden")
        return None

    @staticmethod
    def _parse_v2_payload_format_lambda_output(
        lambda_output: str, binary_types: list[str], flask_request: Request
    ) -> tuple[int, Headers, Any]:
        status, headers, body = LocalApigwService._parse_v2_payload_format_lambda_output(
            lambda_output, binary_types, flask_request
        )
        # API Gateway assumes `content-type: application/json` only for a response without a statusCode
        # (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html);
        # a full response is sent with the function's own headers. SAM adds one to every response.
        if _has_status_but_no_content_type(lambda_output):
            del headers["Content-Type"]
        return status, headers, body

    @staticmethod
    def service_response(body: Any, headers: Headers, status_code: int) -> Response:
        """The response as given: Werkzeug would add `text/html` to a response without a Content-Type."""
        has_type = "Content-Type" in headers
        response = Response(body, status=status_code, headers=headers)
        if not has_type:
            del response.headers["Content-Type"]
        return response


@functools.cache
def _v2_route_key(method: str, endpoint: str, is_default_route: bool) -> str:
    """The event's routeKey ("GET /links/{code}"), from Flask's endpoint (the same few for every request)."""
    path = PathConverter.convert_path_to_api_gateway(endpoint)
    return str(LocalApigwService._v2_route_key(method, path, is_default_route))


def _is_text(flask_request: Request) -> bool:
    if not flask_request.content_length and "wsgi.input_terminated" not in flask_request.environ:
        return True  # no body (a chunked one has no length but says so)
    mimetype = flask_request.mimetype or ""
    try:
        data = flask_request.get_data()
    except OSError:  # a chunked body with a malformed chunk size, or one cut short
        raise BadRequest from None
    if not data:
        return True
    if not (mimetype.startswith(_TEXT_TYPES) or mimetype.endswith(("+json", "+xml"))):
        return False
    try:  # a "text" body that is not UTF-8 cannot go into the event as a string: it goes base64
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_status_but_no_content_type(lambda_output: str) -> bool:
    try:
        output = json.loads(lambda_output)
    except ValueError:
        return False
    if not isinstance(output, dict) or "statusCode" not in output:
        return False
    headers = output.get("headers") or {}
    return isinstance(headers, dict) and not any(str(name).lower() == "content-type" for name in headers)


def _assign_request_id() -> None:
    # API Gateway's ids look like "JQ4Kxjd8IAMEVGw=": 11 random bytes in URL-safe base64.
    g.request_id = base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def _send_request_id(response: Response) -> Response:
    response.headers["Apigw-Requestid"] = g.get("request_id", "")
    return response


def create_gateway(
    stack: Stack,
    runtime: WarmRuntime,
    host: str = "127.0.0.1",
    port: int = 3000,
    authorizers: Authorizers | None = None,
) -> Gateway:
    """The template's HTTP API, its functions run by `runtime` (SAM's runner resolves each function),
    its routes guarded by `authorizers` (None: no authorizer is enforced)."""
    runner = _ResolvedOnceRunner(
        local_runtime=runtime,
        function_provider=stack.function_provider,
        cwd=str(stack.root),
        real_path=str(stack.root),
        aws_region=REGION,
        env_vars_values=stack.environment_overrides,  # Fn::If resolved, the emulator's ids
    )
    gateway = Gateway(api=stack.api, lambda_runner=runner, port=port, host=host)
    gateway.authorizers = authorizers
    gateway.create()
    return gateway


def route_lines(gateway: Gateway, base_url: str) -> list[str]:
    """One line per route, as `sam local start-api` prints them."""
    return [
        f"Mounting {route.function_name} at {base_url}{route.path} [{', '.join(route.methods)}]"
        for route in sorted(gateway.api.routes, key=lambda route: route.path)
    ]
