"""AuthMode decides, per deployment, whether every /users route has a JWT authorizer."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.jwt_authorizers import guarded_routes
from devkit.stack import Stack
from tests.support.rendered import rendered


def operations(output: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    body = output["Resources"]["HttpApi"]["Properties"]["Body"]
    return {
        (method.upper(), path): operation
        for path, methods in body["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    }


def test_cognito_mode_puts_the_jwt_authorizer_on_every_users_route_and_only_there() -> None:
    output = rendered({"AuthMode": "cognito"})

    ops = operations(output)
    users_routes = {key for key in ops if key[1].startswith("/users/")}
    assert len(users_routes) == 7
    for key, operation in ops.items():
        if key in users_routes:
            assert operation["security"] == [{"CognitoJwt": []}], key
            assert "x-amazon-apigateway-integration" in operation, key
        else:
            assert "security" not in operation, key  # Links stay public
    scheme = output["Resources"]["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]["CognitoJwt"]
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    assert authorizer["jwtConfiguration"]["audience"] == [{"Ref": "UserPoolClient"}]
    assert "${UserPool}" in authorizer["jwtConfiguration"]["issuer"]["Fn::Sub"]
    assert output["Resources"]["UserPool"]["Type"] == "AWS::Cognito::UserPool"
    assert {"UserPoolId", "UserPoolClientId"} <= set(output["Outputs"])


def test_none_mode_has_no_authorizer_and_no_user_pool() -> None:
    output = rendered({"AuthMode": "none"})

    for key, operation in operations(output).items():
        assert "security" not in operation, key
    assert not output["Resources"]["HttpApi"]["Properties"]["Body"].get("components", {}).get("securitySchemes")
    assert "UserPool" not in output["Resources"]
    assert "UserPoolClient" not in output["Resources"]
    assert "UserPoolId" not in output["Outputs"]


def test_functions_learn_the_auth_mode_from_the_template() -> None:
    for mode in ("cognito", "none"):
        functions = {
            name: resource
            for name, resource in rendered({"AuthMode": mode})["Resources"].items()
            if resource["Type"] == "AWS::Lambda::Function"
        }
        assert functions
        for name, function in functions.items():
            assert function["Properties"]["Environment"]["Variables"]["AUTH_MODE"] == {"Ref": "AuthMode"}, name


@pytest.mark.parametrize("mode", ["cognito", "none"])
def test_sam_clis_local_api_reader_understands_the_template_in_both_modes(mode: str) -> None:
    # `sam local start-api` and `make run` read routes through this; it does not resolve
    # intrinsics inside DefinitionBody, so a misplaced !If there breaks both.
    routes = Stack(parameters={"AuthMode": mode}).api.routes

    paths = {(method, route.path) for route in routes for method in route.methods}
    assert ("POST", "/users/{user_id}/tasks") in paths
    assert ("GET", "/{shortCode}") in paths


@pytest.mark.parametrize("mode", ["cognito", "none"])
def test_make_run_reads_the_authorizer_of_exactly_the_routes_cloudformation_gets(mode: str) -> None:
    # Two readings of the same template: SAM's transform as `sam deploy` runs it, and the local stack's.
    deployed = {key for key, operation in operations(rendered({"AuthMode": mode})).items() if "security" in operation}

    local = guarded_routes(Stack(parameters={"AuthMode": mode}))

    assert set(local) == deployed
    assert bool(local) == (mode == "cognito")
    for guarded in local.values():
        assert (guarded.authorizer.name, guarded.scopes) == ("CognitoJwt", ())
        assert guarded.authorizer.issuer == "https://cognito-idp.us-east-1.amazonaws.com/UserPool"
        assert guarded.authorizer.audience == ("UserPoolClient",)  # logical ids: the emulator's ids replace them
