"""What an error from an AWS service means for the app: throttled, worth retrying shortly, or a bug.

The codes are listed here once. `http.api_handler` answers a retryable error with 503 and
`Retry-After` (the client may try again); `link_clicks` moves a throttled click to a counter shard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

# Over the table's, the partition's or the account's request rate: the same call succeeds a little
# later, or at once on another key. (Throttling and SlowDown are other services' names for it.)
THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingException", "Throttling", "SlowDown"}
)
# Throttled, or the service failed on its side: nothing wrong with the request, try again shortly.
RETRYABLE_CODES = THROTTLING_CODES | {"InternalServerError", "ServiceUnavailable"}


def code(error: ClientError) -> str:
    """The code an AWS service gave for a failed call (`ThrottlingException`, `NoSuchKey`, ...)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_throttled(error: ClientError) -> bool:
    """True when the call was refused for its rate, before it did anything."""
    return code(error) in THROTTLING_CODES


def is_retryable(error: ClientError) -> bool:
    """True when the same request may well succeed if it is sent again shortly."""
    return code(error) in RETRYABLE_CODES
