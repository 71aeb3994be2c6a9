"""Who is calling, from the JWT authorizer's claims, and whether they may act for `{user_id}`.

`AUTH_MODE` comes from the template's `AuthMode` parameter: `cognito` puts a JWT authorizer on
every `/users/...` route, so API Gateway has already verified the token and we only compare its
`sub` with the path; `none` is the seed's open behaviour, for local and demo use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from common import errors

OWNER_PATH_PARAMETER = "user_id"


def check_owner(path_params: Mapping[str, str], claims: Mapping[str, Any] | None) -> None:
    """Refuse a request on `/users/{user_id}/...` unless the token's subject is that user.

    401 when there are no claims (no or unverified token), 403 when they name someone else.
    Routes without `{user_id}` are public and pass.
    """
    if OWNER_PATH_PARAMETER not in path_params or os.environ.get("AUTH_MODE", "none") != "cognito":
        return
    subject = (claims or {}).get("sub")
    if not subject:
        raise errors.Unauthorized("Missing or invalid access token")
    if subject != path_params[OWNER_PATH_PARAMETER]:
        raise errors.Forbidden("You may only access your own tasks")
