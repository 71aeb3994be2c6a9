"""One error hierarchy for the whole API; `http.api_handler` maps it to responses in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An error the client caused or should see: its status and message go into the response."""

    status: int = 500

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        # Extra fields for the JSON body, next to "error" (e.g. the current task on a 409).
        self.details = dict(details or {})


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class Gone(ApiError):
    status = 410


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class ServiceUnavailable(ApiError):
    """A dependency is overloaded or unreachable: the client may retry after `retry_after` seconds."""

    status = 503

    def __init__(
        self, message: str = "Service temporarily unavailable, retry shortly", *, retry_after: int = 1
    ) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
