"""Who is calling, from the JWT authorizer's claims, and whether they may act for the route's owner.

`AUTH_MODE` comes from the template's `AuthMode` parameter: `cognito` puts a JWT authorizer on
every `/users/...` route, so API Gateway has already verified the token and we only compare its
`sub` with the path parameter the route names as its owner; `none` is the seed's open behaviour,
for local and demo use. Which parameter names the owner is declared with each handler
(`http.api_handler(owner="user_id")`), never guessed from a parameter's name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from common import errors


def check_owner(owner_parameter: str, path_params: Mapping[str, str], claims: Mapping[str, Any] | None) -> None:
    """Refuse the request unless the token's subject is the user `path_params[owner_parameter]` names.

    401 when there are no claims (no or unverified token), 403 when they name someone else. A route
    declared with a parameter its path does not have fails closed (an error, logged as a 500).
    """
    if os.environ.get("AUTH_MODE", "none") != "cognito":
        return
    if owner_parameter not in path_params:
        raise LookupError(f"The route declares owner {{{owner_parameter}}}, which its path does not have")
    subject = (claims or {}).get("sub")
    if not subject:
        raise errors.Unauthorized("Missing or invalid access token")
    if subject != path_params[owner_parameter]:
        raise errors.Forbidden("You may only access your own tasks")
