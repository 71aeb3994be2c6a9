"""`make sam-local` and `make invoke`: the Docker path, with the functions pointed at the AWS emulator.

The emulator listens only where the functions' containers reach it, never on all interfaces: on
the address this machine has on Docker's bridge network (its gateway, usually 172.17.0.1), which
the containers reach directly. Where the engine runs in a VM (Docker Desktop), that address is not
this machine's: the emulator then listens on loopback, and containers reach it as
`host.docker.internal`, which Docker Desktop forwards to the host's loopback.

SAM passes `--env-vars` values only for variables the template declares: the template declares
`AWS_ENDPOINT_URL` from its `EndpointUrl` parameter (empty, and so absent, when deployed).
SAM CLI itself asks STS for the account id before it starts; offline that call takes seconds to
fail, so SAM's STS goes to the emulator too (which answers moto's account, 123456789012, the same
default SAM uses).
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import docker  # SAM CLI's own Docker client

from devkit.emulator import Emulator
from devkit.local_aws import emulator_environment
from devkit.stack import LOCAL_PARAMETERS, TEMPLATE, Stack

ENV_VARS_FILE = TEMPLATE.parent / ".aws-sam" / "local-env.json"
# The label SAM CLI puts on every function container it starts.
SAM_CONTAINER_LABEL = "sam.cli.container.type=lambda"


def host_architecture() -> str:
    """This machine's CPU as Lambda names it: Docker runs functions built for it without emulation."""
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def bridge_gateway() -> str:
    """The address of Docker's default bridge network on the Docker host (its gateway)."""
    config = docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]
    if config.get("Gateway"):
        return str(config["Gateway"])
    # dockerd 20.10 reports only the subnet for its default bridge: the gateway is its first host.
    return str(next(ipaddress.ip_network(config["Subnet"]).hosts()))


def start_emulator(port: int) -> tuple[Emulator, str]:
    """The emulator on the bridge's address (or on loopback, see above); the endpoint containers use."""
    gateway = bridge_gateway()
    try:
        emulator = Emulator(host=gateway, port=port).start()
    except OSError as error:
        if error.errno != errno.EADDRNOTAVAIL:
            raise
        emulator = Emulator(host="127.0.0.1", port=port).start()  # Docker Desktop: the engine is in a VM
        return emulator, emulator.endpoint.replace("127.0.0.1", "host.docker.internal")
    return emulator, emulator.endpoint


def write_env_vars(stack: Stack, endpoint: str, path: Path = ENV_VARS_FILE) -> Path:
    """`sam local --env-vars` file: every function gets the emulator endpoint and dummy credentials."""
    variables = emulator_environment(endpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Parameters": variables, **dict.fromkeys(stack.functions(), variables)}, indent=2))
    return path


def remove_containers(endpoint: str) -> int:
    """Remove SAM CLI's function containers that were given `endpoint` (this session's, never another's); how many."""
    client = docker.from_env()
    containers = client.containers.list(all=True, filters={"label": SAM_CONTAINER_LABEL})
    ours = [c for c in containers if f"AWS_ENDPOINT_URL={endpoint}" in (c.attrs["Config"].get("Env") or [])]
    for container in ours:
        container.remove(force=True)
    return len(ours)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devserver.sam_local", description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", choices=["arm64", "x86_64"], default=host_architecture())
    parser.add_argument("--emulator-port", type=int, default=0, help="the emulator's port (default: a free one)")
    commands = parser.add_subparsers(dest="command", required=True)
    start_api = commands.add_parser("start-api", help="sam local start-api")
    start_api.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    invoke = commands.add_parser("invoke", help="sam local invoke")
    invoke.add_argument("function")
    invoke.add_argument("--event", required=True, help="an event file, e.g. events/redirect_link.json")
    return parser.parse_args(argv)


def sam_command(command: list[str], endpoint: str, env_file: Path, architecture: str) -> list[str]:
    """`sam local <command...>` with the functions built for `architecture` and pointed at the emulator."""
    # EndpointUrl: the template parameter that declares AWS_ENDPOINT_URL for every function.
    parameters = {**LOCAL_PARAMETERS, "Architecture": architecture, "EndpointUrl": endpoint}
    overrides = " ".join(f"{key}={value}" for key, value in parameters.items())
    # --skip-pull-image: the base image on this machine will do (the registry may be out of reach).
    return ["sam", "local", *command, "--env-vars", str(env_file), "--parameter-overrides", overrides,
            "--skip-pull-image"]  # fmt: skip


def sam_environment(emulator: Emulator) -> dict[str, str]:
    """SAM CLI's own environment: dummy credentials, and its STS call answered by the emulator."""
    return {**os.environ, **emulator_environment(emulator.endpoint), "AWS_ENDPOINT_URL_STS": emulator.endpoint}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    emulator, endpoint = start_emulator(args.emulator_port)
    os.environ.update(emulator_environment(emulator.endpoint))  # this process's clients (create_resources)
    stack = Stack()
    emulator.create_resources(stack)
    env_file = write_env_vars(stack, endpoint)
    native = "this machine's CPU" if args.architecture == host_architecture() else "emulated, slow"
    print(f"Functions built for {args.architecture} ({native}; ARCH=arm64|x86_64 chooses)", flush=True)
    print(f"AWS emulator at {emulator.endpoint}; functions reach it as {endpoint}", flush=True)
    if args.command == "invoke":
        command = sam_command(["invoke", args.function, "--event", args.event], endpoint, env_file, args.architecture)
    else:
        command = sam_command(["start-api", "--port", str(args.port)], endpoint, env_file, args.architecture)
    sam = subprocess.Popen(command, env=sam_environment(emulator))
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
        # SAM CLI sometimes leaves its warm containers running when stopped: remove the ones it started.
        if left := remove_containers(endpoint):
            print(f"Removed {left} function containers sam left behind", flush=True)
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
