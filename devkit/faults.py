"""Fault injection for the emulator: AWS answering "slow down", or not answering in time.

WSGI middleware in front of moto, off unless configured. A fault is `service:kind:rate[:operation]`:

- `service`: `dynamodb`, `s3` or `ses` (API v2: what the app sends mail with);
- `kind`: `throttle` (DynamoDB ThrottlingException, S3 SlowDown, SES TooManyRequestsException),
  `throughput` (DynamoDB ProvisionedThroughputExceededException; the others throttle), `unavailable`
  (HTTP 503, ServiceUnavailable), or
  `timeout` (hold the request past the client's read timeout, then fail it; `timeout=SECONDS`
  holds it that long, by default 2.5 s, just past the app's DynamoDB read timeout of 2 s);
- `rate`: the share of matching requests that fail, 0.0 to 1.0;
- `operation`: only this one, e.g. `UpdateItem` (DynamoDB's X-Amz-Target), `GET` (S3's method) or
  `SendEmail` (SES; its other requests go by method).

A failed request never reaches moto: nothing it would have written is written. The local stack's
own bookkeeping (saving and restoring its data) marks its clients' User-Agent with
`BOOKKEEPING_AGENT` and is never failed: faults are for the app. Faults come from
`DEVSERVER_FAULTS` (comma-separated specs; `python -m devserver --fault SPEC` sets it) and can be
changed while the emulator runs: `PUT /devserver-api/faults` with a JSON list of specs replaces
them, `GET` lists them, `DELETE` clears them. Every injected fault is counted (`GET` shows counts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from devkit.wsgi_body import StartResponse, WsgiApp, json_response, read_body

ENVIRONMENT_VARIABLE = "DEVSERVER_FAULTS"
CONTROL_PATH = "/devserver-api/faults"
DEFAULT_DELAY = 2.5
SERVICES = ("dynamodb", "s3", "ses")
BOOKKEEPING_AGENT = "devkit-bookkeeping"  # in botocore's `Config(user_agent_extra=...)`
KINDS = ("throttle", "throughput", "unavailable", "timeout")


@dataclass(frozen=True)
class Fault:
    service: str
    kind: str
    rate: float
    operation: str | None = None
    delay: float = DEFAULT_DELAY

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """`dynamodb:throttle:1.0`, `s3:timeout=11:0.5:GET`, ... (see the module's docstring)."""
        parts = spec.strip().split(":")
        if len(parts) not in (3, 4):
            raise ValueError(f"fault {spec!r}: expected service:kind:rate[:operation]")
        service, kind, rate_text = parts[0].lower(), parts[1].lower(), parts[2]
        delay = DEFAULT_DELAY
        if kind.startswith("timeout="):
            kind, delay = "timeout", float(kind.split("=", 1)[1])
        if service not in SERVICES:
            raise ValueError(f"fault {spec!r}: service must be one of {', '.join(SERVICES)}")
        if kind not in KINDS:
            raise ValueError(f"fault {spec!r}: kind must be one of {', '.join(KINDS)}")
        rate = float(rate_text)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault {spec!r}: rate must be from 0.0 to 1.0")
        return cls(service, kind, rate, parts[3] if len(parts) == 4 and parts[3] else None, delay)

    def matches(self, service: str, operation: str) -> bool:
        return self.service == service and (self.operation is None or self.operation.lower() == operation.lower())


def parse_all(specs: Iterable[str]) -> list[Fault]:
    return [Fault.parse(spec) for spec in specs if spec.strip()]


def checked_spec(spec: str) -> str:
    """`spec` if it parses (an argparse `type=`: a typo is an error at start, not a silent no-op)."""
    try:
        Fault.parse(spec)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return spec


def from_environment() -> list[Fault]:
    return parse_all(os.environ.get(ENVIRONMENT_VARIABLE, "").split(","))


def _target(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service, operation) of a request to the emulator, for the services faults apply to."""
    if BOOKKEEPING_AGENT in environ.get("HTTP_USER_AGENT", ""):
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb", target.rsplit(".", 1)[-1]
    credential = environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", "")
    if "/s3/aws4_request" in credential or "%2Fs3%2Faws4_request" in credential:
        return "s3", environ.get("REQUEST_METHOD", "GET")
    if "/ses/aws4_request" in credential:
        sending = environ.get("PATH_INFO", "").endswith("/outbound-emails")
        return "ses", "SendEmail" if sending else environ.get("REQUEST_METHOD", "GET")
    return None


def _dynamodb_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))])
    return [body]


def _s3_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        "<RequestId>FAULT</RequestId></Error>"
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _rest_json_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = json.dumps({"message": message}).encode()
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


def _failure(fault: Fault, start_response: StartResponse) -> list[bytes]:
    if fault.service == "dynamodb":
        return _dynamodb_failure(fault, start_response)
    if fault.service == "ses":
        if fault.kind in ("throttle", "throughput"):
            return _rest_json_error(
                start_response, "429 Too Many Requests", "TooManyRequestsException", "Maximum sending rate exceeded."
            )
        return _rest_json_error(start_response, "503 Service Unavailable", "ServiceUnavailable", "Service unavailable")
    if fault.kind in ("throttle", "throughput"):
        return _s3_error(start_response, "503 Slow Down", "SlowDown", "Please reduce your request rate.")
    return _s3_error(start_response, "503 Service Unavailable", "ServiceUnavailable", "Service unavailable")


def throughput_exceeded(start_response: StartResponse) -> list[bytes]:
    """DynamoDB's answer to a write past what its table or item takes (devkit/hot_items.py's too)."""
    return _dynamodb_error(
        start_response,
        "400 Bad Request",
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    )


def _dynamodb_failure(fault: Fault, start_response: StartResponse) -> list[bytes]:
    if fault.kind == "throttle":
        return _dynamodb_error(start_response, "400 Bad Request", "ThrottlingException", "Rate exceeded")
    if fault.kind == "throughput":
        return throughput_exceeded(start_response)
    return _dynamodb_error(start_response, "503 Service Unavailable", "ServiceUnavailable", "Service unavailable")


class FaultInjection:
    """WSGI middleware: fails a share of DynamoDB/S3/SES requests as configured; passes the rest on."""

    def __init__(self, app: WsgiApp, faults: Iterable[Fault] = ()) -> None:
        self.app = app
        self._faults = list(faults)
        self._injected: dict[str, int] = {}
        self._lock = threading.Lock()
        self._random = random.Random()  # noqa: S311 - chance, not secrecy

    def configure(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self._faults = list(faults)
            self._injected = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return self._control(environ, start_response)
        fault = self._pick(environ)
        if fault is None:
            return self.app(environ, start_response)
        if fault.kind == "timeout":
            time.sleep(fault.delay)  # the client gave up already; what follows is for the record
        return _failure(fault, start_response)

    def _pick(self, environ: dict[str, Any]) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            target = _target(environ)
            if target is None:
                return None
            for fault in self._faults:
                if fault.matches(*target) and self._random.random() < fault.rate:
                    key = f"{fault.service}:{fault.kind}"
                    self._injected[key] = self._injected.get(key, 0) + 1
                    return fault
        return None

    def _control(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "PUT":
                specs = json.loads(read_body(environ) or b"[]")
                if not isinstance(specs, list) or not all(isinstance(spec, str) for spec in specs):
                    raise ValueError("expected a JSON list of fault specs")
                self.configure(parse_all(specs))
            elif method == "DELETE":
                self.configure([])
            elif method != "GET":
                raise ValueError(f"{method} is not supported: GET, PUT or DELETE")
        except ValueError as error:
            return json_response(start_response, "400 Bad Request", {"error": str(error)})
        with self._lock:
            state = {"faults": [asdict(fault) for fault in self._faults], "injected": dict(self._injected)}
        return json_response(start_response, "200 OK", state)
