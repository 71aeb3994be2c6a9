"""`make run AUTH=cognito`: the template's JWT authorizer, as HTTP API enforces it, over real HTTP.

Users sign in to the user pool on the server's emulator; the tokens it issues are signed with moto's
fixed key (moto ships it: `moto/cognitoidp/resources/jwks-private.json`), so an expired one is
made here with that key, and a forged one with a key made here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from devkit.local_aws import cognito_idp_client
from tests.e2e.conftest import CognitoStack

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-42"
EMULATOR_KEY = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


@dataclass(frozen=True)
class User:
    sub: str
    access_token: str
    id_token: str


def sign_in(cognito: Any, pool: str, client: str, email: str) -> User:
    cognito.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    sub = jwt.decode(tokens["AccessToken"], EMULATOR_KEY).claims["sub"]
    return User(sub, tokens["AccessToken"], tokens["IdToken"])


@dataclass(frozen=True)
class Pool:
    cognito: Any
    ada: User
    bob: User


@pytest.fixture(scope="module")
def pool(cognito_stack: CognitoStack) -> Pool:
    variables = cognito_stack.sign_in
    cognito = cognito_idp_client(variables["AWS_ENDPOINT_URL"])
    pool_id, client = variables["POOL"], variables["CLIENT"]
    return Pool(
        cognito,
        sign_in(cognito, pool_id, client, "ada@example.com"),
        sign_in(cognito, pool_id, client, "bob@example.com"),
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_signed_in_user_reaches_their_own_tasks_and_no_one_elses(cognito_stack: CognitoStack, pool: Pool) -> None:
    tasks = f"{cognito_stack.url}/users/{pool.ada.sub}/tasks"

    created = requests.post(tasks, json={"title": "mine"}, headers=bearer(pool.ada.access_token), timeout=30)
    listed = requests.get(tasks, headers=bearer(pool.ada.id_token), timeout=30)  # an id token passes too, as in AWS
    someone_elses = requests.get(tasks, headers=bearer(pool.bob.access_token), timeout=30)

    assert created.status_code == 201, created.text
    assert [task["title"] for task in listed.json()["tasks"]] == ["mine"]
    assert (someone_elses.status_code, someone_elses.json()) == (403, {"error": "You may only access your own tasks"})


def resigned(token: str, key: RSAKey, **changes: Any) -> str:
    """`token`'s claims (with `changes`), signed by `key` under the emulator's key id."""
    claims = {**jwt.decode(token, EMULATOR_KEY).claims, **changes}
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def other_clients_token(pool: Pool, variables: dict[str, str]) -> str:
    """Ada's access token from another app client of the same pool."""
    other = pool.cognito.create_user_pool_client(
        UserPoolId=variables["POOL"], ClientName="OtherApp", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    result = pool.cognito.admin_initiate_auth(
        UserPoolId=variables["POOL"],
        ClientId=other,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": PASSWORD},
    )
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token


def refused_token(case: str, pool: Pool, variables: dict[str, str]) -> str | None:
    now = int(time.time())
    match case:
        case "malformed":
            return "not.a.jwt"
        case "expired":
            return resigned(pool.ada.access_token, EMULATOR_KEY, iat=now - 3660, exp=now - 60)
        case "signed by another key":
            return resigned(pool.ada.access_token, RSAKey.generate_key(2048, private=True))
        case "for another client":
            return other_clients_token(pool, variables)
    return None


@pytest.mark.parametrize("case", ["no token", "malformed", "expired", "signed by another key", "for another client"])
def test_the_gateway_answers_401_before_any_function_runs(cognito_stack: CognitoStack, pool: Pool, case: str) -> None:
    token = refused_token(case, pool, cognito_stack.sign_in)
    mark = cognito_stack.stack.mark()

    response = requests.post(
        f"{cognito_stack.url}/users/{pool.ada.sub}/tasks",
        json={"title": case},
        headers=bearer(token) if token else {},
        timeout=30,
    )

    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})
    challenge = response.headers.get("WWW-Authenticate", "")
    assert bool(challenge) == (token is not None)
    assert re.fullmatch(r'Bearer scope="" error="invalid_token" error_description="[^"]+"', challenge) or not token
    assert "START RequestId" not in cognito_stack.stack.output_since(mark)  # no function ran
