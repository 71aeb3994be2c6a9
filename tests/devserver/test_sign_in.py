"""`make run AUTH=cognito`: the template's JWT authorizers pointed at its user pool on the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.emulator import Emulator
from devkit.stack import Stack
from devserver.sign_in import local_authorizers, sign_in_lines


def test_auth_none_enforces_no_authorizer(emulator: Emulator, stack: Stack) -> None:
    assert local_authorizers(stack, {}, emulator.endpoint) is None


def test_the_authorizers_check_tokens_of_the_emulators_pool_and_the_console_says_how_to_get_one(
    emulator: Emulator, cognito_template: Stack, pools: dict[str, str]
) -> None:
    authorizers = local_authorizers(cognito_template, pools, emulator.endpoint)

    assert authorizers is not None
    issuers = {guarded.authorizer.issuer for guarded in authorizers.routes.values()}
    assert issuers == {f"https://cognito-idp.us-east-1.amazonaws.com/{pools['UserPool']}"}
    assert {guarded.authorizer.audience for guarded in authorizers.routes.values()} == {(pools["UserPoolClient"],)}
    lines = sign_in_lines(cognito_template, authorizers, pools, emulator.endpoint)
    assert lines[-1].split() == [
        "export",
        f"AWS_ENDPOINT_URL={emulator.endpoint}",
        "AWS_ACCESS_KEY_ID=local",
        "AWS_SECRET_ACCESS_KEY=local",
        "AWS_DEFAULT_REGION=us-east-1",
        f"POOL={pools['UserPool']}",
        f"CLIENT={pools['UserPoolClient']}",
    ]


FOREIGN_ISSUER = """
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /private:
            get:
              security: [{Auth0: []}]
        components:
          securitySchemes:
            Auth0:
              type: oauth2
              x-amazon-apigateway-authorizer:
                type: jwt
                identitySource: $request.header.Authorization
                jwtConfiguration: {issuer: "https://example.eu.auth0.com/", audience: [api]}
Transform: AWS::Serverless-2016-10-31
"""


def test_an_issuer_outside_the_template_stops_start_up(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(FOREIGN_ISSUER)

    with pytest.raises(ValueError, match=r"Auth0: its issuer https://example.eu.auth0.com/ is not a user pool"):
        local_authorizers(Stack(template), {}, "http://127.0.0.1:1")
