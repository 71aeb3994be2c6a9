"""The HTTP API, from the template, through SAM CLI's own local API service, answering as API Gateway does.

SAM's `LocalApigwService` gives us routes, path parameters, payload v2 events and CORS exactly as
`sam local start-api` has them. Where it answers differently from a real HTTP API, this subclass
answers like the real one:

- unknown route or method: 404 `{"message":"Not Found"}` (SAM: 403 "Missing Authentication Token");
- a handler that raised or whose process died: 500 `{"message":"Internal Server Error"}`;
- a handler past its timeout: 503 `{"message":"Service Unavailable"}`;
- payload v2 events: header names lower-cased (repeated headers joined with commas), a body that
  is not text sent base64-encoded (SAM fails such requests), and the request's own time (SAM
  stamps every event with the time its module was imported).

It is a Flask app (`gateway.app`): the real server serves it, and tests drive it in-process
with `gateway.app.test_client()`.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from flask import Flask, Request, Response, jsonify, make_response
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.provider import Function
from samcli.local.apigw import local_apigw_service
from samcli.local.apigw.event_constructor import construct_v2_event_http
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.path_converter import PathConverter
from samcli.local.apigw.route import Route
from samcli.local.lambdafn.config import FunctionConfig

from devkit.local_aws import REGION
from devkit.stack import Stack
from devserver.runtime import FunctionError, FunctionTimedOut, WarmRuntime

LOG = logging.getLogger(__name__)
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
    request; code edits change none of it (the runtime's source fingerprint handles those).
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
    """SAM's local HTTP API with API Gateway's own error answers."""

    @property
    def app(self) -> Flask:
        app: Flask = self._app
        return app

    def _construct_error_handling(self) -> None:
        self._app.register_error_handler(404, lambda _: _api_error(404, "Not Found"))
        # A real HTTP API has no notion of "method not allowed": a route is method + path.
        self._app.register_error_handler(405, lambda _: _api_error(404, "Not Found"))
        self._app.register_error_handler(500, lambda _: _api_error(500, "Internal Server Error"))

    def _generate_lambda_event(self, flask_request: Request, route: Any, method: str, endpoint: str) -> dict[str, Any]:
        if route.event_type != Route.HTTP or route.payload_format_version not in (None, "2.0"):
            event: dict[str, Any] = super()._generate_lambda_event(flask_request, route, method, endpoint)
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
        headers = _lower_case_headers(flask_request.environ)
        headers.update({k.lower(): v for k, v in event["headers"].items() if k.lower().startswith("x-forwarded-")})
        event["headers"] = headers
        event["requestContext"]["timeEpoch"] = int(now * 1000)
        return event

    def _request_handler(self, **kwargs: Any) -> Response:
        try:
            response: Response = super()._request_handler(**kwargs)
        except FunctionTimedOut:
            return _api_error(503, "Service Unavailable")
        except FunctionError:
            return _api_error(500, "Internal Server Error")
        return response


@functools.cache
def _v2_route_key(method: str, endpoint: str, is_default_route: bool) -> str:
    """The event's routeKey ("GET /links/{code}"), from Flask's endpoint (the same few for every request)."""
    path = PathConverter.convert_path_to_api_gateway(endpoint)
    return str(LocalApigwService._v2_route_key(method, path, is_default_route))


def _lower_case_headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers as a v2 event has them: names lower-cased, a repeated header's values
    joined with commas (the HTTP server put them in the WSGI environ so)."""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _is_text(flask_request: Request) -> bool:
    if not flask_request.content_length and "wsgi.input_terminated" not in flask_request.environ:
        return True  # no body (a chunked one has no length but says so)
    mimetype = flask_request.mimetype or ""
    data = flask_request.get_data()
    if not data:
        return True
    if not (mimetype.startswith(_TEXT_TYPES) or mimetype.endswith(("+json", "+xml"))):
        return False
    try:  # a "text" body that is not UTF-8 cannot go into the event as a string: it goes base64
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def create_gateway(stack: Stack, runtime: WarmRuntime, host: str = "127.0.0.1", port: int = 3000) -> Gateway:
    """The template's HTTP API, its functions run by `runtime` (SAM's runner resolves each function)."""
    runner = _ResolvedOnceRunner(
        local_runtime=runtime,
        function_provider=stack.function_provider,
        cwd=str(stack.root),
        real_path=str(stack.root),
        aws_region=REGION,
    )
    gateway = Gateway(api=stack.api, lambda_runner=runner, port=port, host=host)
    gateway.create()
    return gateway


def route_lines(gateway: Gateway, base_url: str) -> list[str]:
    """One line per route, as `sam local start-api` prints them."""
    return [
        f"Mounting {route.function_name} at {base_url}{route.path} [{', '.join(route.methods)}]"
        for route in sorted(gateway.api.routes, key=lambda route: route.path)
    ]
