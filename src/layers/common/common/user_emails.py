"""Where a user's e-mail goes: the Cognito user's verified address, or one configured recipient.

With `AuthMode=cognito` a task's `user_id` is its owner's `sub` (the owner check makes it so), and
the address is that user's `email` attribute, read with ListUsers filtered on `sub` in the
template's user pool (`USER_POOL_ID`): only if `email_verified` is true, so an address someone
typed but never confirmed receives nothing. With `AuthMode=none` there are no accounts, and every
reminder goes to the template's `ReminderRecipient` (`REMINDER_RECIPIENT`).
"""

from __future__ import annotations

import os

from common import aws_clients, ids


def address_of(user_id: str) -> str | None:
    """The address to write to about `user_id`'s tasks; None when there is none to use."""
    if os.environ.get("AUTH_MODE") != "cognito":
        return os.environ["REMINDER_RECIPIENT"]
    # A user id is [A-Za-z0-9_-] (ids.validate_user_id): nothing in it can end the filter's quotes.
    response = aws_clients.client("cognito-idp").list_users(
        UserPoolId=os.environ["USER_POOL_ID"], Filter=f'sub = "{ids.validate_user_id(user_id)}"', Limit=1
    )
    for user in response.get("Users", []):
        attributes = {attribute["Name"]: attribute["Value"] for attribute in user.get("Attributes", [])}
        if attributes.get("email") and attributes.get("email_verified") == "true":
            return str(attributes["email"])
    return None
