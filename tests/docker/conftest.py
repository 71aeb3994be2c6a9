"""The Docker path for real: a Docker engine, SAM CLI's base image, the functions built for this CPU.

One run at a time per machine where we start dockerd ourselves (a lock beside its data): a second
`make test-sam-local` waits rather than share, or stop, the first one's dockerd. Without Docker,
and without a way to start it (apt-get as root), every test here is skipped with the reason.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from samcli.local.docker.lambda_image import LambdaImage, Runtime

from devkit.local_server import ROOT
from devserver.sam_local import host_architecture
from tests.support.template import template

HERE = Path(__file__).resolve().parent
# Where tests/docker/engine.sh keeps a dockerd it starts (data, socket, pid file): outside the checkout.
ENGINE_STATE = Path(os.environ.get("SAM_LOCAL_DOCKER", "/var/tmp/sam-local-docker"))  # noqa: S108 - root's, by design


def base_image(architecture: str) -> str:
    """The image SAM CLI runs the template's runtime in, by the name SAM CLI itself asks for."""
    runtime = template()["Globals"]["Function"]["Runtime"]
    return f"{LambdaImage._INVOKE_REPO_PREFIX}/{Runtime.get_image_name_tag(runtime, architecture)}"


@contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Hold the lock of the dockerd engine.sh starts (only root can start or use it)."""
    if os.geteuid() != 0:
        yield
        return
    ENGINE_STATE.mkdir(parents=True, exist_ok=True)
    with (ENGINE_STATE / "lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Another Docker test run holds {ENGINE_STATE / 'lock'}: waiting for it", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[str]:
    """DOCKER_HOST of a running engine with the base image (set in os.environ for SAM CLI)."""
    with one_run_at_a_time():
        started = subprocess.run([HERE / "engine.sh", "start"], capture_output=True, text=True, check=False)
        if started.returncode == 3:
            pytest.skip(f"No Docker: {started.stderr.strip().splitlines()[-1]}")
        assert started.returncode == 0, started.stderr
        host = started.stdout.strip().removeprefix("DOCKER_HOST=")
        if host:
            os.environ["DOCKER_HOST"] = host
        try:
            image = base_image(host_architecture())
            env = {**os.environ, "PYTHON": sys.executable}
            subprocess.run([HERE / "base-image.sh", image], cwd=ROOT, env=env, check=True)
            yield host
        finally:
            subprocess.run([HERE / "engine.sh", "stop"], check=True)


@pytest.fixture(scope="session")
def built(docker_engine: str) -> str:
    """`make build` for this machine's CPU (as `make sam-local` does); the architecture."""
    architecture = host_architecture()
    command = ["make", "--no-print-directory", "build", f"ARCH={architecture}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return architecture


@pytest.fixture(autouse=True)
def _needs_docker(docker_engine: str) -> None:
    """Every test here runs on the Docker path, or is skipped with the reason."""
