"""`make run` answers like `sam local start-api`: the same script of requests to both, answers compared.

Compared: status, body (timestamps, and the ids each server made up, aside) and the headers
clients use (Location, Content-Type, Cache-Control, CORS). Where they differ because SAM CLI
differs from API Gateway itself, `make run` answers as API Gateway does and the script says so
(`sam_cli_differs`: the parts of the answer concerned, explained in docs/local-stack.md); every
other difference fails, and so does a listed one that is gone.

Both servers run on the same port, one after the other: a short URL (and its QR code) holds it.
Then `make sam-local` is checked for where its emulator listens, and that stopping it leaves no
container and no process behind.
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest
import requests

from devkit.local_aws import dynamodb_client
from devkit.local_server import ROOT, LocalStack, free_port
from devserver.sam_local import SAM_CONTAINER_LABEL
from tests.docker.parity_script import SCRIPT, Expire, Request

pytestmark = pytest.mark.docker

COMPARED_HEADERS = ("location", "content-type", "cache-control")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: Any


def run_script(base_url: str, emulator_endpoint: str) -> list[Answer]:
    """SCRIPT against one server: its answers, normalized, one per Request."""
    saved: dict[str, str] = {}
    answers: list[Answer] = []
    session = requests.Session()
    for step in SCRIPT:
        if isinstance(step, Expire):
            _expire(emulator_endpoint, step.code.format(**saved))
            continue
        response = session.request(
            step.method, base_url + step.path.format(**saved), data=step.data(), headers=dict(step.headers),
            allow_redirects=False, timeout=60,
        )  # fmt: skip
        body: Any = response.text
        if response.headers.get("Content-Type", "").startswith("application/json") and response.content:
            body = response.json()
            for name, path in step.save.items():
                saved[name] = str(_at(body, path))
        answers.append(_normalized(step, response, body, saved=saved, base_url=base_url))
    return answers


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[part]
    return value


def _expire(emulator_endpoint: str, code: str) -> None:
    dynamodb_client(emulator_endpoint).update_item(
        TableName="LinksTable",
        Key={"shortCode": {"S": code}},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}},
    )


def _normalized(
    step: Request, response: requests.Response, body: Any, *, saved: dict[str, str], base_url: str
) -> Answer:
    def text(value: str) -> str:
        value = value.replace(base_url, "{base}")
        for name, made_up in saved.items():
            value = value.replace(made_up, "{" + name + "}")
        return _TIMESTAMP.sub("<time>", value)

    def walk(value: Any, path: str) -> Any:
        if any(re.fullmatch(pattern, path) for pattern in ignored):
            return "<ignored>"
        if isinstance(value, dict):
            return {text(key): walk(item, f"{path}.{text(key)}".lstrip(".")) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, f"{path}.{index}".lstrip(".")) for index, item in enumerate(value)]
        return text(value) if isinstance(value, str) else value

    ignored = [re.escape(pattern).replace(r"\*", "[^.]+") for pattern in step.ignore]
    headers = {
        name.lower(): text(value)
        for name, value in response.headers.items()
        if name.lower() in COMPARED_HEADERS or name.lower().startswith("access-control-")
    }
    return Answer(response.status_code, headers, walk(body, ""))


@dataclass
class SamLocal:
    """`make sam-local` in its own process group, its console read by a thread."""

    process: subprocess.Popen[str]
    url: str
    emulator_endpoint: str
    lines: list[str]

    @classmethod
    def start(cls, port: int, architecture: str) -> SamLocal:
        command = ["make", "--no-print-directory", "sam-local", f"PORT={port}", f"ARCH={architecture}"]
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        lines: list[str] = []

        def read() -> None:
            for line in process.stdout or ():
                lines.append(line)

        threading.Thread(target=read, daemon=True).start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            try:
                requests.get(url + "/", timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(1)
        else:
            process.kill()
            raise AssertionError("make sam-local did not answer:\n" + "".join(lines))
        (emulator,) = {m.group(1) for line in lines if (m := re.search(r"AWS emulator at (http://\S+);", line))}
        return cls(process, url, emulator, lines)

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM to the process group (make, devserver.sam_local, sam), as `kill -- -PGID` or a supervisor
        sends it, and wait until every process in the group has exited."""
        pgid = self.process.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        self.process.wait(timeout)  # make: it exits once its child has
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        raise AssertionError(f"Processes of make sam-local still running {timeout:g} s after SIGTERM")


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def make_run_answers(port: int) -> list[Answer]:
    emulator_port = free_port()
    with LocalStack(None, "--port", str(port), "--emulator-port", str(emulator_port)) as stack:
        return run_script(stack.url, f"http://127.0.0.1:{emulator_port}")


@pytest.fixture(scope="module")
def sam_local(built: str, port: int, make_run_answers: list[Answer]) -> Iterator[SamLocal]:
    server = SamLocal.start(port, built)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sam_local_answers(sam_local: SamLocal) -> list[Answer]:
    return run_script(sam_local.url, sam_local.emulator_endpoint)


def test_the_script_covers_every_error_class_with_enough_requests(make_run_answers: list[Answer]) -> None:
    assert len(make_run_answers) >= 40
    assert {400, 404, 409, 410, 413, 415} <= {answer.status for answer in make_run_answers}


REQUESTS = [step for step in SCRIPT if isinstance(step, Request)]


@pytest.mark.parametrize("number", range(len(REQUESTS)), ids=[f"{n}-{step.label}" for n, step in enumerate(REQUESTS)])
def test_make_run_answers_like_sam_local(
    number: int, make_run_answers: list[Answer], sam_local_answers: list[Answer]
) -> None:
    step, ours, sams = REQUESTS[number], make_run_answers[number], sam_local_answers[number]
    compared = f"make run: {_shown(ours)}\nsam local: {_shown(sams)}"
    differs = step.sam_cli_differs.parts if step.sam_cli_differs else ()

    if "status" in differs:
        assert ours.status == step.status, compared  # API Gateway's answer
    assert [part for part in differs if _part(ours, part) == _part(sams, part)] == [], f"No longer differs: {compared}"
    assert _without(ours, differs) == _without(sams, differs), compared


def _part(answer: Answer, part: str) -> Any:
    return {"status": answer.status, "body": answer.body}.get(part, answer.headers.get(part))


def _without(answer: Answer, parts: tuple[str, ...]) -> tuple[Any, ...]:
    headers = {name: value for name, value in answer.headers.items() if name not in parts}
    return (None if "status" in parts else answer.status, headers, None if "body" in parts else answer.body)


def _shown(answer: Answer) -> str:
    body = answer.body if not isinstance(answer.body, str) or len(answer.body) < 300 else answer.body[:300] + "..."
    return f"{answer.status} {dict(answer.headers)} {body!r}"


def _local_addresses() -> set[str]:
    """Every IPv4 address of this machine (the kernel's local routes)."""
    text = Path("/proc/net/fib_trie").read_text()
    return set(re.findall(r"\|-- (\d+\.\d+\.\d+\.\d+)\n\s+/32 host LOCAL", text))


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_emulator_listens_only_where_containers_reach_it(sam_local: SamLocal) -> None:
    host, port = sam_local.emulator_endpoint.removeprefix("http://").rsplit(":", 1)
    gateway = docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]

    assert host in _local_addresses()  # the bridge's address on this machine
    assert ipaddress.ip_address(host) in ipaddress.ip_network(gateway["Subnet"])
    assert not _refused(host, int(port))
    others = _local_addresses() - {host}
    assert "127.0.0.1" in others
    assert [address for address in sorted(others) if not _refused(address, int(port))] == []


def test_stopping_leaves_no_container_and_no_process(sam_local: SamLocal, sam_local_answers: list[Answer]) -> None:
    client = docker.from_env()
    endpoint = f"AWS_ENDPOINT_URL={sam_local.emulator_endpoint}"

    def ours() -> list[str]:
        containers = client.containers.list(all=True, filters={"label": SAM_CONTAINER_LABEL})
        return [c.name for c in containers if endpoint in (c.attrs["Config"].get("Env") or [])]

    assert ours()  # the warm containers that served the script

    sam_local.stop()

    assert ours() == []
    assert _refused("127.0.0.1", int(sam_local.url.rsplit(":", 1)[1]))
    host, port = sam_local.emulator_endpoint.removeprefix("http://").rsplit(":", 1)
    assert _refused(host, int(port))
