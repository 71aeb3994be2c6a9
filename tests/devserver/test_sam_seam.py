"""The SAM CLI internals `make run` builds on (aws-sam-cli is pinned): an upgrade that moves them fails here, loudly.

See ../shared/notes/sam-cli-local-api-seam.md. Checked: the classes and the parameters we pass,
the methods the gateway overrides, how `LocalLambdaRunner` calls a runtime (and with what), the
payload v2 event of an HTTP API route, and SAM's own answers that the gateway replaces.
"""

from __future__ import annotations

import inspect
import io
import json
import time
from dataclasses import replace
from importlib.metadata import version
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.local.apigw.event_constructor import construct_v2_event_http
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.route import Route

from devkit.jwt_authorizers import guarded_routes
from devkit.stack import Stack
from devserver.authorizer import Authorizers
from devserver.gateway import Gateway


class RecordingRuntime:
    """A runtime that records how it is called and answers with a fixed result."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def invoke(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))
        kwargs["stdout"].write_str(json.dumps(self.result))


def service(
    stack: Stack, runtime: Any, cls: type[LocalApigwService] = LocalApigwService, authorizers: Any = None
) -> Any:
    runner = LocalLambdaRunner(
        local_runtime=runtime,
        function_provider=stack.function_provider,
        cwd=str(stack.root),
        real_path=str(stack.root),
        aws_region="us-east-1",
    )
    api = cls(api=stack.api, lambda_runner=runner, port=3000, host="127.0.0.1")
    if authorizers is not None:
        api.authorizers = authorizers
    api.create()
    return api


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_aws_sam_cli_is_the_pinned_version() -> None:
    assert version("aws-sam-cli") == "1.170.0"


def test_the_constructors_take_the_arguments_we_pass() -> None:
    assert {"template_file", "parameter_overrides"} <= set(parameters(SamLocalStackProvider.get_stacks))
    assert parameters(SamFunctionProvider.__init__)[1] == "stacks"
    assert {"stacks", "cwd"} <= set(parameters(ApiProvider.__init__))
    assert {"local_runtime", "function_provider", "cwd", "real_path", "aws_region"} <= set(
        parameters(LocalLambdaRunner.__init__)
    )
    assert {"api", "lambda_runner", "port", "host"} <= set(parameters(LocalApigwService.__init__))
    assert {"flask_request", "port", "binary_types", "stage_name", "stage_variables", "route_key"} <= set(
        parameters(construct_v2_event_http)
    )
    assert {"request_time_epoch", "request_time"} <= set(parameters(construct_v2_event_http))


def test_the_methods_the_gateway_overrides_still_exist_with_the_same_shape() -> None:
    overridden = (
        "create",
        "_request_handler",
        "_construct_error_handling",
        "_generate_lambda_event",
        "_get_current_route",
        "_parse_v2_payload_format_lambda_output",
        "_v2_route_key",
    )
    for name in overridden:
        assert callable(getattr(LocalApigwService, name)), name
        assert name in vars(LocalApigwService), name
    assert parameters(LocalApigwService._generate_lambda_event) == [
        "self", "flask_request", "route", "method", "endpoint"
    ]  # fmt: skip
    assert parameters(LocalApigwService._parse_v2_payload_format_lambda_output) == [
        "lambda_output", "binary_types", "flask_request"
    ]  # fmt: skip
    assert parameters(LocalApigwService.service_response) == ["body", "headers", "status_code"]
    assert Route.HTTP == "HttpApi"


def test_routes_come_from_the_template_with_cors(stack: Stack) -> None:
    routes = {(route.path, route.function_name): route for route in stack.api.routes}

    redirect = routes[("/{shortCode}", "RedirectLinkFunction")]
    assert set(redirect.methods) == {"GET", "OPTIONS"}
    assert redirect.event_type == Route.HTTP
    assert redirect.payload_format_version in (None, "2.0")
    assert stack.api.cors.allow_origin == "*"
    assert stack.api.cors.max_age == 600


def test_the_runner_calls_the_runtime_with_the_function_config_and_keyword_streams(stack: Stack) -> None:
    runtime = RecordingRuntime({"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"})
    client = service(stack, runtime)._app.test_client()

    response = client.get("/links/abc?tag=a&tag=b", headers={"X-Custom": "kept"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    ((args, kwargs),) = runtime.calls
    config, event_json, tenant_id = args
    assert tenant_id is None
    assert {"stdout", "stderr"} <= set(kwargs)
    assert config.name == "LinkStatsFunction"
    assert config.handler == "app.handler"
    assert config.code_abs_path.endswith("src/functions/link_stats")
    assert [layer.codeuri.rstrip("/").endswith("src/layers/common") for layer in config.layers] == [True]
    assert config.timeout == 10
    assert config.memory == 256
    assert config.env_vars.resolve()["LINKS_TABLE"] == "LinksTable"
    event = json.loads(event_json)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /links/{shortCode}"
    assert event["rawPath"] == "/links/abc"
    assert event["rawQueryString"] == "tag=a&tag=b"
    assert event["pathParameters"] == {"shortCode": "abc"}
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["headers"]["X-Custom"] == "kept"  # SAM keeps the case; the gateway lower-cases


@pytest.mark.parametrize(
    ("result", "status"),
    [
        ({"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}, 500),
        ({"errorMessage": "boom", "errorType": "ValueError", "stackTrace": [], "requestId": "x"}, 200),
    ],
)
def test_sam_turns_only_the_exact_error_payload_into_a_500(stack: Stack, result: dict[str, Any], status: int) -> None:
    client = service(stack, RecordingRuntime(result))._app.test_client()

    assert client.get("/links/abc").status_code == status


def test_sam_answers_unknown_routes_403_and_the_gateway_404(stack: Stack) -> None:
    runtime = RecordingRuntime({})
    sam = service(stack, runtime)._app.test_client()
    ours = service(stack, runtime, Gateway)._app.test_client()

    assert sam.get("/no/such/route").status_code == 403
    assert ours.get("/no/such/route").status_code == 404
    assert ours.get("/no/such/route").get_json() == {"message": "Not Found"}


def test_where_sam_and_the_gateway_differ_as_api_gateway_does(stack: Stack) -> None:
    """Each pair: SAM's own answer, then the gateway's (docs/local-stack.md lists why)."""
    redirect = {"statusCode": 301, "headers": {"Location": "https://example.com"}}
    sam_runtime, our_runtime = RecordingRuntime(redirect), RecordingRuntime(redirect)
    sam = service(stack, sam_runtime)._app.test_client()
    ours = service(stack, our_runtime, Gateway)._app.test_client()
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}

    assert (sam.head("/links/abc").status_code, ours.head("/links/abc").status_code) == (502, 404)
    assert (sam.get("/links/abc/").status_code, ours.get("/links/abc/").status_code) == (301, 404)
    sam_preflight, our_preflight = (
        sam.options("/shorten", headers=preflight),
        ours.options("/shorten", headers=preflight),
    )
    assert (sam_preflight.status_code, sam_preflight.mimetype) == (200, "text/html")
    assert (our_preflight.status_code, our_preflight.content_type) == (204, None)
    assert [sam.get("/links/abc").content_type, ours.get("/links/abc").content_type] == ["application/json", None]
    sam.get("/links/abc")
    our_ids = [ours.get("/links/abc").headers["Apigw-Requestid"] for _ in range(2)]
    assert len({request_id(call) for call in sam_runtime.calls}) == 1  # SAM gives every request the same id
    assert our_ids == [request_id(call) for call in our_runtime.calls[-2:]]
    assert len(set(our_ids)) == 2


def request_id(call: tuple[tuple[Any, ...], dict[str, Any]]) -> str:
    return str(json.loads(call[0][1])["requestContext"]["requestId"])


def test_a_body_over_10_mb_is_refused_from_its_content_length_without_reading_it(stack: Stack) -> None:
    class Unreadable(io.RawIOBase):
        def readinto(self, buffer: Any) -> int:
            raise AssertionError("the body was read")

    ours = service(stack, RecordingRuntime({}), Gateway)._app.test_client()
    environ = {"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(11 * 1024 * 1024), "CONTENT_TYPE": "application/json"}

    response = ours.post("/shorten", environ_overrides=environ)

    assert (response.status_code, response.get_json()) == (413, {"message": "Request Entity Too Large"})


def test_sam_skips_the_jwt_authorizer_and_the_gateway_enforces_it_before_the_function(
    cognito_template: Stack,
) -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    ids = {"UserPool": "us-east-1_pool", "UserPoolClient": "client"}
    routes = {
        route: replace(g, authorizer=g.authorizer.with_ids(ids))
        for route, g in guarded_routes(cognito_template).items()
    }
    authorizers = Authorizers(routes, lambda _: KeySet([key]))
    ok = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
    sam_runtime, our_runtime = RecordingRuntime(ok), RecordingRuntime(ok)
    sam = service(cognito_template, sam_runtime)._app.test_client()
    ours = service(cognito_template, our_runtime, Gateway, authorizers)._app.test_client()
    now = int(time.time())
    claims = {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool", "sub": "alice", "iat": now,
              "exp": now + 60, "client_id": "client", "cognito:groups": ["admin"]}  # fmt: skip
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    assert sam.get("/users/alice/tasks").status_code == 200  # no token, and the function ran
    assert "authorizer" not in json.loads(sam_runtime.calls[0][0][1])["requestContext"]
    refused = ours.get("/users/alice/tasks")
    assert (refused.status_code, refused.get_json(), our_runtime.calls) == (401, {"message": "Unauthorized"}, [])
    assert ours.get("/links/abc").status_code == 200  # Links stay public
    assert ours.get("/users/alice/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    event = json.loads(our_runtime.calls[-1][0][1])
    assert event["requestContext"]["authorizer"] == {
        "jwt": {
            "claims": {**claims, "iat": str(now), "exp": str(now + 60), "cognito:groups": "[admin]"},
            "scopes": None,
        }
    }
