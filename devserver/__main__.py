"""`python -m devserver` (`make run`): the template's HTTP API on this machine, on an embedded AWS emulator.

Start-up: the emulator (moto, in this process), the template's tables and buckets with the data
saved by the last run (devserver/saved_data.py), its user pools with `--auth cognito`, SAM's local
API service with the warm-process runtime (and the JWT authorizers, with `--auth cognito`), the
HTTP server, the event triggers, and a watch on the code. Ctrl-C or SIGTERM stops the
server, kills every worker and saves the data before exiting; a worker also exits by itself if this
process dies.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

STARTED = time.perf_counter()

# Imported after the clock starts: these imports are most of the start-up time.
from devkit.faults import ENVIRONMENT_VARIABLE as FAULTS_VARIABLE  # noqa: E402
from devkit.faults import checked_spec  # noqa: E402
from devkit.hot_items import ENVIRONMENT_VARIABLE as ITEM_WRITE_LIMIT_VARIABLE  # noqa: E402
from devkit.local_aws import emulator_environment  # noqa: E402
from devkit.stack import TEMPLATE, Stack  # noqa: E402
from devserver.code_watch import CodeWatch  # noqa: E402
from devserver.emulator import LocalEmulator, start_emulator  # noqa: E402
from devserver.gateway import create_gateway, route_lines  # noqa: E402
from devserver.runtime import DEFAULT_POOL_SIZE, WarmRuntime  # noqa: E402
from devserver.saved_data import SAVE_SECONDS, RestoreError, SavedData  # noqa: E402
from devserver.seed import seed  # noqa: E402
from devserver.server import IDLE_TIMEOUT_SECONDS, make_http_server  # noqa: E402
from devserver.sign_in import local_authorizers, sign_in_lines  # noqa: E402
from devserver.triggers import start_triggers  # noqa: E402

DATA_FOLDER = ".local-data"  # next to the template


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devserver", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="0 picks a free port")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--emulator-port", type=int, default=0, help="the emulator's port (default: a free one)")
    parser.add_argument("--seed", action="store_true", default=os.environ.get("SEED") == "1", help="add demo links")
    parser.add_argument(
        "--auth",
        choices=["none", "cognito"],
        default="none",
        help="the template's AuthMode: cognito creates its user pool and enforces its JWT authorizer",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=f"where tables and objects are kept across restarts (default: {DATA_FOLDER}/ next to the template)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        default=os.environ.get("FRESH") == "1",
        help="start empty and save nothing; the data already saved stays as it is",
    )
    parser.add_argument("--workers", type=int, default=DEFAULT_POOL_SIZE, help="warm processes per function, at most")
    parser.add_argument(
        "--no-prewarm", dest="prewarm", action="store_false", help="start workers on first request only"
    )
    parser.add_argument(
        "--fault",
        action="append",
        type=checked_spec,
        default=[],
        metavar="SPEC",
        help="make the emulator fail requests, e.g. dynamodb:throttle:1.0 (see devkit/faults.py)",
    )
    parser.add_argument(
        "--item-write-limit",
        type=float,
        metavar="WRITES_PER_SECOND",
        help="throttle writes to any one DynamoDB item above this rate, as AWS does near 1,000/s (hot links)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=IDLE_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="close a connection that sends nothing for this long",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stdout)
    # SAM CLI logs a warning per route for things that are fine here (the JWT authorizer it skips and
    # the gateway enforces, 'No Content-Type given', an empty body on a redirect): keep its errors only.
    logging.getLogger("samcli").setLevel(logging.ERROR)
    logging.getLogger("botocore").setLevel(logging.WARNING)  # "Found credentials in environment variables."


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _configure_logging(args.log_level)
    if args.fault:  # read by the emulator (devkit/faults.py)
        os.environ[FAULTS_VARIABLE] = ",".join(args.fault)
    if args.item_write_limit is not None:  # read by the emulator (devkit/hot_items.py)
        os.environ[ITEM_WRITE_LIMIT_VARIABLE] = str(args.item_write_limit)
    local_emulator = start_emulator(host="127.0.0.1", port=args.emulator_port)
    emulator = local_emulator.emulator
    # This process's own clients (and SAM's credential lookup) use the emulator and dummy credentials.
    os.environ.update(emulator_environment(emulator.endpoint))
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)

    stack = Stack(args.template.resolve(), parameters={"AuthMode": args.auth})
    data_folder = args.data_dir or stack.root / DATA_FOLDER
    try:
        saved, data_line, ids = _resources_and_data(stack, local_emulator, None if args.fresh else data_folder)
        stack.use_resource_ids(ids)  # e.g. the emulator's user pool id for a function's USER_POOL_ID
        authorizers = local_authorizers(stack, ids, emulator.endpoint)
    except (RestoreError, ValueError) as exc:
        hint = "\nTo start without the saved data (it stays where it is): make run FRESH=1"
        print(f"{exc}{hint if isinstance(exc, RestoreError) else ''}", file=sys.stderr)
        emulator.stop()
        return 1
    runtime = WarmRuntime(stack.root, emulator.endpoint, pool_size=args.workers)
    atexit.register(runtime.close)
    gateway = create_gateway(stack, runtime, host=args.host, port=args.port, authorizers=authorizers)
    server = make_http_server(args.host, args.port, gateway.app, idle_timeout=args.idle_timeout)
    gateway.port = server.server_port  # the events' Host and port, when --port 0 picked one
    base_url = f"http://{args.host}:{server.server_port}"
    # Wired before "Running on" and after the data is back: an upload or a deletion right after
    # start-up is delivered, and restoring triggered nothing.
    triggers = start_triggers(stack, local_emulator, gateway.lambda_runner, concurrency=args.workers)
    functions = stack.functions()
    watch = CodeWatch(
        {name: (function.code_dir, *function.layer_dirs) for name, function in functions.items()},
        stack.template,
        runtime.code_changed,
    )
    watch.start()
    stop = _stop_on_signals()

    # Polled every 0.1 s rather than Werkzeug's 0.5 s, so Ctrl-C does not keep you waiting.
    threading.Thread(target=server.serve_forever, args=(0.1,), name="http", daemon=True).start()
    for line in [
        *route_lines(gateway, base_url),
        *triggers.lines,
        f"AWS emulator at {emulator.endpoint} (tables and buckets from {args.template.name})",
        data_line,
        *sign_in_lines(stack, authorizers, ids, emulator.endpoint),
    ]:
        print(line)
    print(f"Running on {base_url} in {time.perf_counter() - STARTED:.1f} s (Ctrl-C to stop)", flush=True)

    if args.seed:
        for line in seed(gateway.app, base_url):
            print(line, flush=True)
    if args.prewarm:
        threading.Thread(target=runtime.prewarm, args=(functions.values(),), name="prewarm", daemon=True).start()

    # The kernel may deliver SIGINT/SIGTERM to any thread, and Python runs the handler only once
    # the main thread wakes: a wait without a timeout can then sleep through Ctrl-C for good.
    while not stop.wait(0.25):
        pass
    print("Stopping: closing the server and the function workers", flush=True)
    watch.stop()
    triggers.stop()  # the pollers wind down while the server and the workers close
    server.shutdown()
    runtime.close()
    triggers.close()  # after the workers: a delivery in flight fails at once instead of being waited for
    if saved is not None and saved.stop():
        print(f"Data saved in {_shown(data_folder)}", flush=True)
    emulator.stop()
    return 0


def _resources_and_data(
    stack: Stack, local_emulator: LocalEmulator, data_folder: Path | None
) -> tuple[SavedData | None, str, dict[str, str]]:
    """Create the template's resources with the saved data back in them (None: FRESH=1), start
    saving, and describe the data for the console; the ids of the user pools and their clients.
    Raises RestoreError."""
    emulator = local_emulator.emulator
    if data_folder is None:
        ids = emulator.create_resources(stack)
        shown = _shown(stack.root / DATA_FOLDER)
        return None, f"Data: FRESH=1, starting empty; nothing is saved, and {shown} stays as it was", ids
    saved = SavedData(data_folder, stack, emulator.endpoint, local_emulator.writes)
    restored: list[tuple[int, int]] = []
    ids = emulator.create_resources(stack, fill=lambda: restored.append(saved.restore()))
    saved.start()
    ((items, objects),) = restored
    what = (
        f"{_count(items, 'item')} and {_count(objects, 'object')} restored from"
        if items or objects
        else "nothing saved yet in"
    )
    return (
        saved,
        f"Data: {what} {_shown(data_folder)} (saved within {SAVE_SECONDS:g} s of a change and on Ctrl-C; "
        "FRESH=1 starts empty)",
        ids,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (Ctrl-C)."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def _shown(path: Path) -> str:
    """`path` relative to the current folder when it is inside it (as the user typed it), else absolute."""
    return f"{path.resolve().relative_to(Path.cwd())}/" if path.resolve().is_relative_to(Path.cwd()) else str(path)


if __name__ == "__main__":
    sys.exit(main())
