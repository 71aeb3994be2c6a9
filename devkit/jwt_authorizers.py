"""The template's JWT authorizers, and the routes each one guards, as API Gateway would import them.

An HttpApi declares them in its OpenAPI `DefinitionBody`: a `components.securitySchemes` entry with
an `x-amazon-apigateway-authorizer` of type `jwt` (where the token is, its issuer, its audience),
and each operation's `security` naming it, with the scopes that operation requires. SAM CLI reads
none of this locally ("Skip parsing unsupported authorizer"): `make run` reads it here, from the
template as deployed with the stack's parameters (`Stack.resolve`), so `AuthMode=none` has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from devkit.stack import Stack

_ANY_METHOD = "x-amazon-apigateway-any-method"
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", _ANY_METHOD})


@dataclass(frozen=True)
class JwtAuthorizer:
    name: str
    identity_source: str  # where the token is: "$request.header.Authorization" (one source, for JWT)
    issuer: str
    audience: tuple[str, ...]

    def with_ids(self, ids: Mapping[str, str]) -> JwtAuthorizer:
        """This authorizer with the ids the emulator gave the template's resources: SAM resolves
        `!Ref UserPool` to "UserPool", so the issuer's last path segment and each audience entry
        that is a logical id in `ids` becomes that resource's id."""
        base, _, last = self.issuer.rpartition("/")
        return replace(
            self,
            issuer=f"{base}/{ids.get(last, last)}",
            audience=tuple(ids.get(entry, entry) for entry in self.audience),
        )


@dataclass(frozen=True)
class GuardedRoute:
    """A route's authorizer and the scopes it requires (a token needs one of them; none: any token)."""

    authorizer: JwtAuthorizer
    scopes: tuple[str, ...]


def guarded_routes(stack: Stack) -> dict[tuple[str, str], GuardedRoute]:
    """(method, path) -> its JWT authorizer, for every route of the template's HTTP APIs that has one.

    The method is upper-case, "ANY" for `x-amazon-apigateway-any-method`; the path as in the
    template, `/users/{user_id}/tasks`.
    """
    routes: dict[tuple[str, str], GuardedRoute] = {}
    for props in stack.resources("AWS::Serverless::HttpApi").values():
        body = stack.resolve(props.get("DefinitionBody") or {})
        authorizers = _jwt_authorizers(body.get("components", {}).get("securitySchemes", {}))
        for path, operations in body.get("paths", {}).items():
            for method, operation in operations.items():
                if method not in _METHODS:
                    continue
                for requirement in operation.get("security", []):
                    for name, scopes in requirement.items():
                        if name in authorizers:
                            key = ("ANY" if method == _ANY_METHOD else method.upper(), path)
                            routes[key] = GuardedRoute(authorizers[name], tuple(scopes))
    return routes


def _jwt_authorizers(schemes: Mapping[str, Any]) -> dict[str, JwtAuthorizer]:
    found = {}
    for name, scheme in schemes.items():
        authorizer = scheme.get("x-amazon-apigateway-authorizer", {})
        if str(authorizer.get("type", "")).lower() != "jwt":
            continue
        source = authorizer.get("identitySource", "$request.header.Authorization")
        configuration = authorizer.get("jwtConfiguration", {})
        found[name] = JwtAuthorizer(
            name=name,
            identity_source=str(source[0] if isinstance(source, list) else source).strip(),
            issuer=str(configuration.get("issuer", "")),
            audience=tuple(str(entry) for entry in configuration.get("audience", [])),
        )
    return found
