"""The one way the emulator's middlewares read a request body before moto does."""

from __future__ import annotations

import io
from typing import Any


def read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, read in full by its Content-Length and put back for the app behind (moto reads it again)."""
    body: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return body
