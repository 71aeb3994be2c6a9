"""The local JWT authorizer's checks, as an HTTP API makes them: tokens signed here with a key made here.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html lists the
checks; tests/e2e/test_jwt_authorizer.py runs the same refusals through `make run AUTH=cognito`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from devkit.jwt_authorizers import GuardedRoute, JwtAuthorizer
from devserver.authorizer import (
    Authorizers,
    Forbidden,
    Unauthorized,
    rendered_claims,
    token_from,
    token_scopes,
    verified_claims,
)

NOW = 1_800_000_000
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
AUTHORIZER = JwtAuthorizer("CognitoJwt", "$request.header.Authorization", ISSUER, ("client",))
ACCESS = {"iss": ISSUER, "sub": "alice", "client_id": "client", "token_use": "access", "iat": NOW, "exp": NOW + 60}
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
ISSUER_KEYS = KeySet([RSAKey.import_key(SIGNING_KEY.as_dict(private=False))])


NOT_RSA = "the token is not signed with an RSA algorithm"


def signed(claims: dict[str, Any], header: dict[str, str] | None = None, key: Any = SIGNING_KEY) -> str:
    return jwt.encode(header or {"alg": "RS256", "kid": "k1"}, claims, key, algorithms=["RS256", "RS512", "HS256"])


def unsigned(claims: dict[str, Any]) -> str:
    parts = [{"alg": "none", "kid": "k1"}, claims]
    return ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=") for part in parts) + "."


def without(name: str) -> dict[str, Any]:
    return {key: value for key, value in ACCESS.items() if key != name}


def test_an_access_token_of_the_client_passes_with_its_claims() -> None:
    assert verified_claims(signed(ACCESS), AUTHORIZER, ISSUER_KEYS, NOW) == ACCESS


@pytest.mark.parametrize(
    "claims",
    [
        {**without("client_id"), "aud": "client", "token_use": "id"},  # an id token: aud, not client_id
        {**without("client_id"), "aud": ["other", "client"]},
    ],
    ids=["id-token", "aud-list"],
)
def test_aud_or_else_client_id_must_name_the_client(claims: dict[str, Any]) -> None:
    assert verified_claims(signed(claims), AUTHORIZER, ISSUER_KEYS, NOW)["sub"] == "alice"


def test_any_rsa_algorithm_passes() -> None:
    assert verified_claims(signed(ACCESS, {"alg": "RS512", "kid": "k1"}), AUTHORIZER, ISSUER_KEYS, NOW)


@pytest.mark.parametrize(
    ("token", "description"),
    [
        ("not-a-jwt", "the token is malformed"),
        ("a.b", "the token is malformed"),
        (signed(ACCESS, key=RSAKey.generate_key(2048, private=True)), "the token's signature is invalid"),
        (signed(ACCESS, {"alg": "RS256"}), "the token has no key id (kid)"),
        (signed(ACCESS, {"alg": "RS256", "kid": "k2"}), "the token's key id is not one of the issuer's keys"),
        (signed(ACCESS, {"alg": "HS256", "kid": "k1"}, OctKey.generate_key(256)), NOT_RSA),
        (unsigned(ACCESS), NOT_RSA),
        (signed({**ACCESS, "exp": NOW}), "the token has expired"),
        (signed(without("exp")), "the token has no exp"),
        (signed({**ACCESS, "nbf": NOW + 1}), "the token is not valid yet"),
        (signed({**ACCESS, "iat": NOW + 1}), "the token was issued in the future"),
        (signed({**ACCESS, "iss": f"{ISSUER}-other"}), "the token does not have a valid issuer"),
        (signed({**ACCESS, "client_id": "other-client"}), "the token does not have a valid audience"),
        (signed({**ACCESS, "aud": "other-client"}), "the token does not have a valid audience"),  # aud wins
        (signed(without("client_id")), "the token does not have a valid audience"),
    ],
    ids=[
        "malformed", "two-parts", "other-key", "no-kid", "unknown-kid", "hmac", "alg-none", "expired", "no-exp",
        "not-yet-valid", "issued-in-the-future", "other-issuer", "other-client", "other-aud", "no-audience",
    ],
)  # fmt: skip
def test_a_token_the_authorizer_refuses_says_why(token: str, description: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        verified_claims(token, AUTHORIZER, ISSUER_KEYS, NOW)

    assert refused.value.description == description
    assert refused.value.www_authenticate() == (
        f'Bearer scope="" error="invalid_token" error_description="{description}"'
    )


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({"authorization": "Bearer abc"}, "abc"),
        (
            {"authorization": "abc"},
            "abc",
        ),  # "The identitySource can include only the token, or the token prefixed with Bearer."
        ({"authorization": "Bearer "}, None),
        ({"authorization": " "}, None),
        ({}, None),
    ],
)
def test_the_token_comes_from_the_identity_source_with_or_without_bearer(
    headers: dict[str, str], token: str | None
) -> None:
    assert token_from("$request.header.Authorization", headers, {}) == token


def test_a_query_string_identity_source() -> None:
    assert token_from("$request.querystring.token", {"authorization": "x"}, {"token": "abc"}) == "abc"


def test_claims_reach_the_function_as_api_gateway_renders_them() -> None:
    claims = {
        "sub": "alice",
        "exp": 1800000060,
        "cognito:groups": ["admin", "users"],
        "email_verified": True,
        "x": None,
    }

    assert rendered_claims(claims) == {
        "sub": "alice",
        "exp": "1800000060",
        "cognito:groups": "[admin users]",
        "email_verified": "true",
    }


@pytest.mark.parametrize(
    ("claims", "scopes"),
    [
        ({"scope": "aws.cognito.signin.user.admin tasks/read"}, ["aws.cognito.signin.user.admin", "tasks/read"]),
        ({"scp": ["tasks/read"], "scope": "other"}, ["tasks/read"]),
        ({}, []),
    ],
)
def test_a_tokens_scopes(claims: dict[str, Any], scopes: list[str]) -> None:
    assert token_scopes(claims) == scopes


def authorizers(scopes: tuple[str, ...] = ()) -> Authorizers:
    route = GuardedRoute(AUTHORIZER, scopes)
    return Authorizers({("GET", "/users/{user_id}/tasks"): route}, lambda _: ISSUER_KEYS)


def test_only_guarded_routes_need_a_token() -> None:
    assert authorizers().authorize("GET", "/links/{shortCode}", {}, {}, NOW) is None
    with pytest.raises(Unauthorized) as refused:
        authorizers().authorize("GET", "/users/{user_id}/tasks", {}, {}, NOW)
    assert refused.value.www_authenticate() is None  # no token: nothing to say about one


def test_a_route_without_scopes_passes_no_scopes_on() -> None:
    headers = {"authorization": f"Bearer {signed({**ACCESS, 'scope': 'tasks/read'})}"}

    authorization = authorizers().authorize("GET", "/users/{user_id}/tasks", headers, {}, NOW)

    assert authorization is not None
    assert authorization.event_context() == {
        "jwt": {"claims": rendered_claims({**ACCESS, "scope": "tasks/read"}), "scopes": None}
    }


def test_a_route_with_scopes_needs_one_of_them_and_passes_the_tokens_on() -> None:
    route = authorizers(("tasks/read", "tasks/admin"))
    reader = {"authorization": signed({**ACCESS, "scope": "openid tasks/read"})}
    outsider = {"authorization": signed({**ACCESS, "scope": "openid"})}

    authorization = route.authorize("GET", "/users/{user_id}/tasks", reader, {}, NOW)

    assert authorization is not None
    assert authorization.scopes == ["openid", "tasks/read"]
    with pytest.raises(Forbidden):
        route.authorize("GET", "/users/{user_id}/tasks", outsider, {}, NOW)
    with pytest.raises(Unauthorized) as refused:
        route.authorize("GET", "/users/{user_id}/tasks", {"authorization": "x"}, {}, NOW)
    assert 'scope="tasks/read tasks/admin"' in (refused.value.www_authenticate() or "")


def test_the_issuers_keys_are_loaded_once() -> None:
    loads: list[str] = []

    def load(authorizer: JwtAuthorizer) -> KeySet:
        loads.append(authorizer.issuer)
        return ISSUER_KEYS

    guarded = Authorizers(
        {("GET", "/a"): GuardedRoute(AUTHORIZER, ()), ("ANY", "/b"): GuardedRoute(AUTHORIZER, ())}, load
    )
    for path in ("/a", "/b", "/a"):
        assert guarded.authorize("POST" if path == "/b" else "GET", path, {"authorization": signed(ACCESS)}, {}, NOW)

    assert loads == [ISSUER]
