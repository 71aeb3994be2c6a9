"""`make run AUTH=cognito`: the template's JWT authorizers against its user pools on the emulator.

The emulator has created the pools and app clients (devkit/emulator.py) under ids of its own; the
authorizers' issuer and audience name them by logical id, so they are rewritten with those ids. An
issuer that is not one of the template's user pools cannot be checked offline: start-up fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from devkit.jwt_authorizers import guarded_routes
from devkit.local_aws import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from devkit.stack import Stack
from devserver.authorizer import Authorizers, emulator_keys


def local_authorizers(stack: Stack, ids: Mapping[str, str], emulator: str) -> Authorizers | None:
    """The authorizers of the template's routes, checking tokens of the user pools on the emulator at
    `emulator` (`ids`: the pools' and clients' ids by logical id); None if no route has one."""
    pools = stack.resources("AWS::Cognito::UserPool")
    routes = {}
    for route, guarded in guarded_routes(stack).items():
        issuer = urlsplit(guarded.authorizer.issuer)
        if not (issuer.hostname or "").startswith("cognito-idp.") or issuer.path.rsplit("/", 1)[-1] not in pools:
            raise ValueError(
                f"JWT authorizer {guarded.authorizer.name}: its issuer {guarded.authorizer.issuer} is not a user "
                "pool of this template, so make run cannot check its tokens"
            )
        routes[route] = replace(guarded, authorizer=guarded.authorizer.with_ids(ids))
    return Authorizers(routes, emulator_keys(emulator)) if routes else None


def sign_in_lines(stack: Stack, authorizers: Authorizers | None, ids: Mapping[str, str], emulator: str) -> list[str]:
    """What the console says at start-up: the authorizers, the pools' and clients' ids, and how to sign in."""
    if authorizers is None:
        return []
    names = sorted({guarded.authorizer.name for guarded in authorizers.routes.values()})
    pools = [ids[logical_id] for logical_id in stack.resources("AWS::Cognito::UserPool")]
    clients = [ids[logical_id] for logical_id in stack.resources("AWS::Cognito::UserPoolClient")]
    lines = [
        f"JWT authorizer {', '.join(names)} on {len(authorizers.routes)} routes: a token of user pool "
        f"{', '.join(pools)}, app client {', '.join(clients)}; without one, 401"
    ]
    if len(pools) == 1 and len(clients) == 1:
        variables = {
            "AWS_ENDPOINT_URL": emulator,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "POOL": pools[0],
            "CLIENT": clients[0],
        }
        lines += [
            "Sign in with the aws CLI (docs/authentication.md) after running, in another terminal:",
            "  export " + " ".join(f"{name}={value}" for name, value in variables.items()),
        ]
    return lines
