"""Invoking a function with an event outside HTTP, and Lambda's asynchronous invocation on top of it.

`FunctionInvoker` runs an event through the gateway's SAM `LocalLambdaRunner` and the warm runtime,
the path an API request takes, and reports what Lambda's Invoke API would: the payload, and whether the
function failed. `AsyncInvoker` is what Lambda does with an asynchronous event (S3 sends those):
run it, retry a failure up to `MaximumRetryAttempts` times with a pause between attempts, then
send the on-failure record to the destination queue, in Lambda's own shape.

Lambda pauses about one, then two minutes between attempts; locally the pauses are half a second,
then one second, so a failing upload reaches its failure queue in seconds, not minutes.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.utils.stream_writer import StreamWriter

from devkit.local_names import function_arn
from devserver.event_sources import AsyncConfig
from devserver.runtime import FunctionError, FunctionTimedOut

RETRY_PAUSE_SECONDS = 0.5  # doubled after each failed attempt


@dataclass(frozen=True)
class Result:
    """What Lambda's Invoke API answers: the payload, and `function_error` ("Unhandled") if the function failed."""

    payload: Any
    function_error: str | None = None


def reported_failures(ids: Collection[str], payload: Any) -> set[str]:
    """The ids of a batch that failed, from what the function returned with `ReportBatchItemFailures`,
    read as Lambda reads it: an answer that is no object fails none; an `itemIdentifier` that is
    empty, not a string or not one of `ids` fails the whole batch; else the ones named fail."""
    if not isinstance(payload, Mapping):
        return set()
    named = [
        failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        for failure in payload.get("batchItemFailures") or []
    ]
    if any(not isinstance(identifier, str) or identifier not in ids for identifier in named):
        return set(ids)
    return set(named)  # type: ignore[arg-type]  # all strings, checked above


class Invoke(Protocol):
    def __call__(self, function: str, event: Mapping[str, Any]) -> Result: ...


type SendMessage = Callable[[str, str], None]  # (queue name, body)


class FunctionInvoker:
    """Runs a function of the stack on an event, through SAM's runner and the warm runtime."""

    def __init__(self, runner: LocalLambdaRunner) -> None:
        """`runner`: the gateway's (`Gateway.lambda_runner`), which resolves each function once."""
        self._runner = runner

    def __call__(self, function: str, event: Mapping[str, Any]) -> Result:
        output = io.StringIO()
        try:
            self._runner.invoke(function, json.dumps(event), stdout=StreamWriter(output))
        except FunctionTimedOut as exc:
            return Result({"errorType": "Sandbox.Timedout", "errorMessage": str(exc)}, "Unhandled")
        except FunctionError as exc:  # the handler raised (its error JSON), or its process died (text)
            return Result(_error_payload(str(exc)), "Unhandled")
        except RuntimeError as exc:  # the runtime is shutting down
            return Result({"errorType": "Runtime.Unavailable", "errorMessage": str(exc)}, "Unhandled")
        text = output.getvalue()
        return Result(json.loads(text) if text else None)


class AsyncInvoker:
    """Lambda's asynchronous invocation of one function: retries, then the on-failure destination."""

    def __init__(
        self, function: str, config: AsyncConfig, invoke: Invoke, send: SendMessage, stop: threading.Event
    ) -> None:
        self.function = function
        self.config = config
        self._invoke = invoke
        self._send = send
        self._stop = stop

    def deliver(self, event: Mapping[str, Any]) -> bool:
        """Run `event` until it succeeds or its retries are spent; True if it succeeded.

        Gives up quietly when the local stack stops: the event dies with the emulator's queues."""
        request_id = str(uuid.uuid4())  # one id for every attempt, as Lambda's async request id
        attempts = self.config.max_retries + 1
        for attempt in range(1, attempts + 1):
            result = self._invoke(self.function, event)
            if self._stop.is_set():
                return False
            if result.function_error is None:
                if self.config.on_success:
                    self._send(self.config.on_success.queue_name, self._record(request_id, event, result, attempt))
                return True
            if attempt < attempts:
                pause = RETRY_PAUSE_SECONDS * 2 ** (attempt - 1)
                print(
                    f"{self.function}: asynchronous invocation {request_id} failed "
                    f"(attempt {attempt} of {attempts}); retrying in {pause:g} s",
                    flush=True,
                )
                if self._stop.wait(pause):
                    return False
        destination = self.config.on_failure
        if destination is None:
            print(f"{self.function}: asynchronous event dropped after {attempts} failed attempts", flush=True)
        else:
            self._send(destination.queue_name, self._record(request_id, event, result, attempts))
            print(
                f"{self.function}: asynchronous event sent to {destination.logical_id} "
                f"after {attempts} failed attempts",
                flush=True,
            )
        return False

    def _record(self, request_id: str, event: Mapping[str, Any], result: Result, attempts: int) -> str:
        """Lambda's destination record for an asynchronous invocation."""
        failed = result.function_error is not None
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if failed:
            response_context["functionError"] = result.function_error
        record = {
            "version": "1.0",
            "timestamp": _now(),
            "requestContext": {
                "requestId": request_id,
                "functionArn": f"{function_arn(self.function)}:$LATEST",
                "condition": "RetriesExhausted" if failed else "Success",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": response_context,
            "responsePayload": result.payload,
        }
        return json.dumps(record)


def _error_payload(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {"errorType": "Runtime.ExitError", "errorMessage": text}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
