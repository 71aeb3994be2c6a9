"""The one way the emulator's middlewares read a request body before moto does, and answer with JSON
themselves; and the WSGI types they share."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

type StartResponse = Callable[..., Any]
type WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, read in full by its Content-Length and put back for the app behind (moto reads it again)."""
    body: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def json_response(
    start_response: StartResponse, status: str, value: Any, headers: Iterable[tuple[str, str]] = ()
) -> list[bytes]:
    """Answer with `value` as JSON (`headers`: any beyond its Content-Type and Content-Length)."""
    body = json.dumps(value).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
    return [body]
