"""Who may call each route, checked against the template: a route behind the JWT authorizer checks
that the caller is the user its path names, and the handler says which parameter that is.

Derived from template.yaml as deployed with AuthMode=cognito (the SAM transform run offline): each
operation of the HTTP API, whether it carries the authorizer (`security`), and the function it
invokes. Each function's handler declares its route's access (`http.api_handler(owner=...)` or
`public=True`); nothing is inferred from a parameter's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from common import http
from tests.support.rendered import rendered

type Loader = Callable[[str], Any]
_FUNCTION_IN_URI = re.compile(r"\$\{(\w+)\.Arn\}")


@cache
def operations() -> dict[tuple[str, str], tuple[str, bool]]:
    """(METHOD, path) -> (the function it invokes, whether the JWT authorizer guards it)."""
    body = rendered({"AuthMode": "cognito"})["Resources"]["HttpApi"]["Properties"]["Body"]
    found = {}
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "parameters":
                continue
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            (function,) = _FUNCTION_IN_URI.findall(uri)
            found[(method.upper(), path)] = (function, bool(operation.get("security")))
    return found


def route_id(route: tuple[str, str]) -> str:
    return " ".join(route)


def access(load_function: Loader, function: str) -> str | None:
    """The path parameter the function's handler names as its route's owner (None: public)."""
    handler = load_function(function)
    assert isinstance(handler, http.ApiHandler), f"{function}: its handler must be made by http.api_handler"
    return handler.owner


def test_the_authorizer_guards_the_users_routes_and_only_them() -> None:
    guarded = {route for route, (_, secured) in operations().items() if secured}

    assert guarded == {route for route in operations() if route[1].startswith("/users/")}
    assert len(guarded) == 7


@pytest.mark.parametrize("route", sorted(r for r, (_, secured) in operations().items() if secured), ids=route_id)
def test_a_route_behind_the_authorizer_checks_the_owner_its_path_names(
    load_function: Loader, route: tuple[str, str]
) -> None:
    function, _ = operations()[route]

    owner = access(load_function, function)

    assert owner is not None, f"{route_id(route)} is behind the JWT authorizer, but {function} declares it public"
    assert f"{{{owner}}}" in route[1], f"{function} names {{{owner}}} as its owner; {route[1]} has no such parameter"


@pytest.mark.parametrize("route", sorted(r for r, (_, secured) in operations().items() if not secured), ids=route_id)
def test_a_public_route_is_declared_public(load_function: Loader, route: tuple[str, str]) -> None:
    # An owner check without the authorizer in front would refuse every caller (no token, 401).
    function, _ = operations()[route]

    assert access(load_function, function) is None, f"{route_id(route)} has no authorizer: {function} must be public"
