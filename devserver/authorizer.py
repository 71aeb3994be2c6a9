"""The template's JWT authorizers, enforced as an HTTP API does, before any function runs.

For a route under a JWT authorizer (devkit/jwt_authorizers.py), API Gateway
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):

1. takes the token from the identity source (the `Authorization` header), with or without `Bearer `;
2. checks its signature with the issuer's public keys (the `jwks_uri` of the issuer's OpenID
   configuration; RSA algorithms only), the key named by the token's `kid`;
3. checks its claims: `iss` is the issuer; `aud`, or `client_id` when there is no `aud`, is one of
   the audience; `exp` is in the future; `nbf` and `iat`, when present, are not;
4. on a route that requires scopes, `scope` (or `scp`) must hold one of them: 403 otherwise.

Any other failure, a missing token included: 401 `{"message":"Unauthorized"}`, with a
`www-authenticate` header saying what was wrong with a token. A valid token's claims reach the
function as `requestContext.authorizer.jwt`, each value a string as API Gateway renders it
(numbers and booleans as text, a list as "[a b]").

Locally the issuer is a user pool on the emulator: `https://cognito-idp.<region>.amazonaws.com/<id>`
is read at `<emulator>/<id>`, where moto serves that pool's OpenID configuration and keys. The keys
are fetched on first use and kept.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError, MissingClaimError, UnsupportedAlgorithmError
from joserfc.jwk import Key, KeySet

from devkit.jwt_authorizers import GuardedRoute, JwtAuthorizer

RSA_ALGORITHMS = ("RS256", "RS384", "RS512")  # "Currently, only RSA-based algorithms are supported."
_BEARER = "Bearer "
_DESCRIPTIONS = {  # why a claim failed, for the www-authenticate header
    "iss": "the token does not have a valid issuer",
    "nbf": "the token is not valid yet",
    "iat": "the token was issued in the future",
}

type KeyLoader = Callable[[JwtAuthorizer], KeySet]


class Unauthorized(Exception):
    """401: no token, or one this authorizer does not accept (`description` says why, if there was a token)."""

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description or "no token")
        self.description = description
        self.scopes: tuple[str, ...] = ()  # the route's

    def www_authenticate(self) -> str | None:
        """The header API Gateway sends with a refused token (none without a token)."""
        if self.description is None:
            return None
        return f'Bearer scope="{" ".join(self.scopes)}" error="invalid_token" error_description="{self.description}"'


class Forbidden(Exception):
    """403: a valid token without any of the route's scopes."""


@dataclass(frozen=True)
class Authorization:
    """What a function learns of the caller: the token's claims, and its scopes on a route that requires some."""

    claims: dict[str, str]
    scopes: list[str] | None

    def event_context(self) -> dict[str, Any]:
        """`requestContext.authorizer` of a payload v2 event."""
        return {"jwt": {"claims": self.claims, "scopes": self.scopes}}


class Authorizers:
    """The JWT authorizers of the template's routes, with their issuers' keys."""

    def __init__(self, routes: Mapping[tuple[str, str], GuardedRoute], load_keys: KeyLoader) -> None:
        self.routes = dict(routes)
        self._load_keys = load_keys
        self._keys: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def authorize(
        self, method: str, path: str, headers: Mapping[str, str], query: Mapping[str, str], now: int | None = None
    ) -> Authorization | None:
        """None for a route without an authorizer; raises Unauthorized or Forbidden.

        `path` is the route's, as in the template (`/users/{user_id}/tasks`); `headers` have
        lower-case names, as in a payload v2 event."""
        guarded = self.routes.get((method.upper(), path)) or self.routes.get(("ANY", path))
        if guarded is None:
            return None
        try:
            token = token_from(guarded.authorizer.identity_source, headers, query)
            if token is None:
                raise Unauthorized
            claims = verified_claims(token, guarded.authorizer, self._keys_of(guarded.authorizer), now)
        except Unauthorized as refusal:
            refusal.scopes = guarded.scopes
            raise
        scopes = None
        if guarded.scopes:
            scopes = token_scopes(claims)
            if not set(scopes) & set(guarded.scopes):
                raise Forbidden
        return Authorization(rendered_claims(claims), scopes)

    def _keys_of(self, authorizer: JwtAuthorizer) -> KeySet:
        with self._lock:
            if authorizer.issuer not in self._keys:
                self._keys[authorizer.issuer] = self._load_keys(authorizer)
            return self._keys[authorizer.issuer]


def token_from(identity_source: str, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The token at `$request.header.<name>` (in `headers`, names lower-case) or
    `$request.querystring.<name>`, without `Bearer `; None if absent."""
    kind, _, name = identity_source.removeprefix("$request.").partition(".")
    if kind == "header":
        value = headers.get(name.lower(), "")
    elif kind == "querystring":
        value = query.get(name, "")
    else:
        return None
    return value.lstrip().removeprefix(_BEARER).strip() or None


def verified_claims(token: str, authorizer: JwtAuthorizer, keys: KeySet, now: int | None = None) -> dict[str, Any]:
    """The token's claims, if its signature and claims pass the authorizer's checks; raises Unauthorized."""

    def signing_key(signature: Any) -> Key:
        kid = signature.headers().get("kid")
        try:
            return keys.get_by_kid(kid) if kid else _no_kid()
        except JoseError:
            raise Unauthorized("the token's key id is not one of the issuer's keys") from None

    try:
        claims: dict[str, Any] = jwt.decode(token, signing_key, algorithms=RSA_ALGORITHMS).claims
    except BadSignatureError:
        raise Unauthorized("the token's signature is invalid") from None
    except UnsupportedAlgorithmError:
        raise Unauthorized("the token is not signed with an RSA algorithm") from None
    except (JoseError, ValueError):
        raise Unauthorized("the token is malformed") from None
    registry = jwt.JWTClaimsRegistry(
        now=int(time.time()) if now is None else now,
        iss={"essential": True, "value": authorizer.issuer},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise Unauthorized("the token has expired") from None
    except MissingClaimError as missing:
        raise Unauthorized(f"the token has no {missing.claim}") from None
    except JoseError as error:
        claim = getattr(error, "claim", "")
        raise Unauthorized(_DESCRIPTIONS.get(claim, f"the token's {claim} is invalid")) from None
    audience = claims["aud"] if "aud" in claims else claims.get("client_id")  # aud first, as API Gateway
    if not set(audience if isinstance(audience, list) else [audience]) & set(authorizer.audience):
        raise Unauthorized("the token does not have a valid audience")
    return claims


def _no_kid() -> Key:
    raise Unauthorized("the token has no key id (kid)")


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    """The token's scopes: `scp` (a list or a space-separated string), else `scope`."""
    value = claims.get("scp", claims.get("scope", []))
    return [str(scope) for scope in value] if isinstance(value, list) else str(value).split()


def rendered_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as API Gateway passes them on: strings as they are, numbers and booleans as JSON
    text, a list as its items between brackets separated by spaces, an object as JSON; no nulls."""
    return {name: _rendered(value) for name, value in claims.items() if value is not None}


def _rendered(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_rendered(item) for item in value) + "]"
    return json.dumps(value, separators=(",", ":"))


def emulator_keys(endpoint: str) -> KeyLoader:
    """Loads an issuer's keys from the emulator at `endpoint`: its OpenID configuration's `jwks_uri`."""

    def load(authorizer: JwtAuthorizer) -> KeySet:
        configuration_url = f"{endpoint}{urlsplit(authorizer.issuer).path}/.well-known/openid-configuration"
        configuration = requests.get(configuration_url, timeout=10)
        configuration.raise_for_status()
        keys = requests.get(configuration.json()["jwks_uri"], timeout=10)
        keys.raise_for_status()
        return KeySet.import_key_set(keys.json())

    return load
