"""AuthMode=cognito: every /users/... route of the template lets a user act only as themselves.

API Gateway's JWT authorizer has verified the token before Lambda runs; the events here carry
the claims it passes on, as in `requestContext.authorizer.jwt.claims`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from devkit.events import shorten_event
from tests.conftest import Invoke
from tests.support.tasks_api import Reply, TasksApi
from tests.support.template import http_api_routes

ALICE = "3f1c2a4e-0d7b-4c1e-9a55-6b2f0c8d7e91"  # Cognito subs are UUIDs
BOB = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
COGNITO = {"AUTH_MODE": "cognito"}


def claims_for(subject: str) -> dict[str, Any]:
    return {
        "sub": subject,
        "token_use": "access",
        "client_id": "example-client",
        "scope": "aws.cognito.signin.user.admin",
    }


@pytest.fixture
def alices_task(invoke_function: Invoke) -> str:
    task_id: str = (
        TasksApi(invoke_function, COGNITO).create(ALICE, {"title": "mine"}, claims=claims_for(ALICE)).body["task_id"]
    )
    return task_id


def attach(api: TasksApi, user: str, task: str, claims: dict[str, Any] | None) -> Reply:
    return api.attach(user, task, {"filename": "a.png", "content_type": "image/png", "size": 100}, claims=claims)


type Call = Callable[[TasksApi, str, str, dict[str, Any] | None], Reply]

# (method, path) exactly as template.yaml's HttpApi events have them: one call per /users route.
ROUTES: dict[tuple[str, str], Call] = {
    ("POST", "/users/{user_id}/tasks"): lambda api, user, _task, claims: api.create(
        user, {"title": "t"}, claims=claims
    ),
    ("GET", "/users/{user_id}/tasks"): lambda api, user, _task, claims: api.list(user, claims=claims),
    ("GET", "/users/{user_id}/tasks/{task_id}"): lambda api, user, task, claims: api.get(user, task, claims=claims),
    ("PATCH", "/users/{user_id}/tasks/{task_id}"): lambda api, user, task, claims: api.update(
        user, task, {"title": "x", "version": 1}, claims=claims
    ),
    ("PUT", "/users/{user_id}/tasks/{task_id}"): lambda api, user, task, claims: api.update(
        user, task, {"title": "x", "version": 1}, method="PUT", claims=claims
    ),
    ("DELETE", "/users/{user_id}/tasks/{task_id}"): lambda api, user, task, claims: api.delete(
        user, task, claims=claims
    ),
    ("POST", "/users/{user_id}/tasks/{task_id}/attachments"): attach,
}


def users_routes() -> list[tuple[str, str]]:
    """Every /users/... route of template.yaml (a new one fails below until the matrix covers it)."""
    return sorted(route for route in http_api_routes() if route[1].startswith("/users/"))


def route_id(route: tuple[str, str]) -> str:
    return " ".join(route)


def test_the_matrix_covers_exactly_the_templates_users_routes() -> None:
    assert sorted(ROUTES) == users_routes()


@pytest.mark.parametrize("route", users_routes(), ids=route_id)
def test_a_user_may_use_every_route_for_themselves(
    invoke_function: Invoke, alices_task: str, route: tuple[str, str]
) -> None:
    reply = ROUTES[route](TasksApi(invoke_function, COGNITO), ALICE, alices_task, claims_for(ALICE))

    assert reply.status in (200, 201, 204), reply.body


@pytest.mark.parametrize("route", users_routes(), ids=route_id)
def test_another_user_gets_403_and_changes_nothing(
    invoke_function: Invoke, alices_task: str, route: tuple[str, str]
) -> None:
    api = TasksApi(invoke_function, COGNITO)

    reply = ROUTES[route](api, ALICE, alices_task, claims_for(BOB))

    assert reply.status == 403
    assert reply.body == {"error": "You may only access your own tasks"}
    task = api.get(ALICE, alices_task, claims=claims_for(ALICE)).body
    assert (task["title"], task["version"], task["attachments"]) == ("mine", 1, [])


@pytest.mark.parametrize("route", users_routes(), ids=route_id)
@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}], ids=["no-authorizer", "no-claims", "empty-sub"])
def test_no_identity_gets_401(
    invoke_function: Invoke, alices_task: str, route: tuple[str, str], claims: dict[str, Any] | None
) -> None:
    reply = ROUTES[route](TasksApi(invoke_function, COGNITO), ALICE, alices_task, claims)

    assert reply.status == 401
    assert reply.body == {"error": "Missing or invalid access token"}


def test_with_auth_mode_none_anyone_may_act_for_any_user(invoke_function: Invoke) -> None:
    reply = TasksApi(invoke_function).create(ALICE, {"title": "open"}, claims=claims_for(BOB))

    assert reply.status == 201


def test_links_stay_public_in_cognito_mode(invoke_function: Invoke) -> None:
    response = invoke_function("ShortenLinkFunction", shorten_event({"url": "https://example.com/"}), COGNITO)

    assert response["statusCode"] == 201
