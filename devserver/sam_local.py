"""`make sam-local`: the Docker path. The emulator on its own, and `sam local start-api` with functions pointed at it.

Containers reach the emulator through the host: it listens on all interfaces and the functions get
`AWS_ENDPOINT_URL=http://host.docker.internal:<port>` (`--add-host` maps that name on Linux).
SAM passes `--env-vars` values only for variables the template declares: the template declares
`AWS_ENDPOINT_URL` from its `EndpointUrl` parameter (empty, and so absent, when deployed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from devkit.emulator import Emulator
from devkit.local_aws import emulator_environment
from devkit.stack import LOCAL_PARAMETERS, TEMPLATE, Stack

ENV_VARS_FILE = TEMPLATE.parent / ".aws-sam" / "local-env.json"


def write_env_vars(stack: Stack, endpoint: str, path: Path = ENV_VARS_FILE) -> Path:
    """`sam local --env-vars` file: every function gets the emulator endpoint and dummy credentials."""
    variables = emulator_environment(endpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Parameters": variables, **dict.fromkeys(stack.functions(), variables)}, indent=2))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.sam_local", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--emulator-port", type=int, default=4566)
    args = parser.parse_args(argv)

    emulator = Emulator(host="0.0.0.0", port=args.emulator_port).start()
    os.environ.update(emulator_environment(f"http://127.0.0.1:{args.emulator_port}"))
    stack = Stack()
    emulator.create_resources(stack)
    env_file = write_env_vars(stack, f"http://host.docker.internal:{args.emulator_port}")
    print(f"AWS emulator on port {args.emulator_port}; functions get {env_file}", flush=True)
    # EndpointUrl: the template parameter that declares AWS_ENDPOINT_URL for every function.
    parameters = {**LOCAL_PARAMETERS, "EndpointUrl": f"http://host.docker.internal:{args.emulator_port}"}
    overrides = " ".join(f"{key}={value}" for key, value in parameters.items())
    command = ["sam", "local", "start-api", "--port", str(args.port), "--env-vars", str(env_file),
               "--parameter-overrides", overrides, "--add-host", "host.docker.internal:host-gateway"]  # fmt: skip
    sam = subprocess.Popen(command)
    # Ctrl-C reaches sam (same process group); SIGTERM is passed on. Either way: wait, then stop the emulator.
    signal.signal(signal.SIGTERM, lambda *_: sam.terminate())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while True:  # in short waits: a SIGTERM delivered to another thread runs once this one wakes
            try:
                return sam.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                continue
    finally:
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
