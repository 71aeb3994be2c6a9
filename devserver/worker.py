"""One Lambda execution environment: a Python process that imports a function's handler once and runs it per request.

Started by `devserver.workers.Worker` with the function's environment from the template (plus the
emulator endpoint) and run as a script, so it imports nothing of the local stack but
`lambda_context`. Like Lambda, the function's folder comes first on `sys.path`, then its layers.

The handler's own stdout and stderr are the console's, as Lambda's are the log stream's; requests
and results travel on two dedicated pipes, so nothing a handler prints can corrupt a response:

    ready    (worker -> parent): b"I", once, after the handler's module is imported
    request  (parent -> worker): b"<request id>\\n<event JSON>"
    result   (worker -> parent): b"R" + result JSON, or b"E" + {"errorMessage", "errorType", "stackTrace"}

each framed by its length (4 bytes, big-endian), written in one `write` and usually read in one `read`.

A third pipe is a lifeline: the parent never writes to it, so reading it returns only when the
parent has gone (however it died), and the worker then exits instead of lingering as an orphan.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Passed by the parent, removed from the environment before any user code runs.
FDS_VARIABLE = "DEVSERVER_WORKER_FDS"
LAYERS_VARIABLE = "DEVSERVER_LAYER_DIRS"

type Handler = Callable[[Any, Any], Any]


def main() -> None:
    requests_fd, results_fd, lifeline_fd = (int(fd) for fd in os.environ.pop(FDS_VARIABLE).split(","))
    layer_dirs = [d for d in os.environ.pop(LAYERS_VARIABLE, "").split(os.pathsep) if d]
    threading.Thread(target=_exit_with_parent, args=(lifeline_fd,), daemon=True).start()
    # Line by line, as on a terminal, even into a pipe: a handler killed at its timeout must not
    # take its last log lines with it.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    # Only to import our LambdaContext: appended, so it can never shadow the function's modules.
    sys.path.append(str(Path(__file__).resolve().parents[1]))
    from devkit.lambda_context import LambdaContext  # noqa: PLC0415 - after the path is set

    sys.path[:0] = [os.environ["LAMBDA_TASK_ROOT"], *layer_dirs]
    name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    memory = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))

    started = time.perf_counter()
    handler, init_error = _load_handler(os.environ["_HANDLER"])
    init_ms: float | None = (time.perf_counter() - started) * 1000
    send_message(results_fd, b"I")  # initialised: the parent may now time the handler alone

    while True:
        try:
            message = receive_message(requests_fd)
        except EOFError:  # the parent closed our request pipe: retire quietly
            return
        request_id, _, event_json = message.partition(b"\n")
        rid = request_id.decode()
        print(f"START RequestId: {rid} Version: $LATEST")
        started = time.perf_counter()
        if handler is None:
            ok, payload = False, init_error or b"{}"
        else:
            context = LambdaContext(name, memory, timeout, aws_request_id=rid)
            ok, payload = _run(handler, event_json, context)
        duration_ms = (time.perf_counter() - started) * 1000
        # The result first, then the log lines: the client need not wait for the console.
        send_message(results_fd, (b"R" if ok else b"E") + payload)
        print(f"END RequestId: {rid}\n{_report(rid, duration_ms, memory, init_ms)}", flush=True)
        init_ms = None


def send_message(fd: int, payload: bytes) -> None:
    """The payload after its length, in one write (a pipe takes it whole unless it is very large)."""
    data = memoryview(len(payload).to_bytes(4, "big") + payload)
    while data:
        data = data[os.write(fd, data) :]


def receive_message(fd: int) -> bytes:
    """The next message on `fd` (one at a time is in flight): usually one read. EOFError at end of file."""
    buffer = os.read(fd, 65536)
    while True:
        if not buffer:
            raise EOFError
        if len(buffer) >= 4:
            end = 4 + int.from_bytes(buffer[:4], "big")
            if len(buffer) >= end:
                return buffer[4:end]
        more = os.read(fd, 65536)
        if not more:
            raise EOFError
        buffer += more


def _load_handler(spec: str) -> tuple[Handler | None, bytes | None]:
    """Import `module.function` as Lambda does; an import failure answers every request, as in Lambda."""
    module_name, _, function_name = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
        handler: Handler = getattr(module, function_name)
    except Exception as exc:  # any failure at init is the function's, reported per request
        error_type = "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.HandlerNotFound"
        return None, _error(exc, error_type, f"Unable to import module '{module_name}': {exc}")
    return handler, None


def _run(handler: Handler, event_json: bytes, context: Any) -> tuple[bool, bytes]:
    try:
        result = handler(json.loads(event_json), context)
    except Exception as exc:  # the function's own failure, reported as Lambda does
        return False, _error(exc, type(exc).__name__, str(exc))
    try:
        return True, json.dumps(result).encode()
    except (TypeError, ValueError) as exc:
        return False, _error(exc, "Runtime.MarshalError", f"Unable to marshal response: {exc}")


def _error(exc: BaseException, error_type: str, message: str) -> bytes:
    """Log the traceback to the console (never to the client) and build Lambda's error payload."""
    stack = traceback.format_exception(exc)
    print(f"[ERROR] {error_type}: {message}\n{''.join(stack)}", file=sys.stderr, flush=True)
    frames = traceback.format_tb(exc.__traceback__)
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": frames}).encode()


def _report(request_id: str, duration_ms: float, memory: int, init_ms: float | None) -> str:
    # ru_maxrss is in KiB on Linux: the peak of this process, as Lambda's "Max Memory Used" is.
    used_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\tMemory Size: {memory} MB\tMax Memory Used: {used_mb} MB"
    )
    return report if init_ms is None else f"{report}\tInit Duration: {init_ms:.2f} ms"


def _exit_with_parent(lifeline_fd: int) -> None:
    os.read(lifeline_fd, 1)  # returns only at end of file: every copy of the write end is closed
    os._exit(1)


if __name__ == "__main__":
    main()
