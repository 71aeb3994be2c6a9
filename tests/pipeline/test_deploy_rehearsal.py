"""The deploy jobs' `sam deploy` step, run as GitHub runs it, against the AWS emulator: it deploys the
prebuilt .aws-sam/build without asking, as the execution role, and every call it makes is one the
deploy role allows. (The emulator records the calls; it does not run CloudFormation's transforms,
so what the stack would contain is checked by the template tests, not here.)"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from samcli.yamlhelper import yaml_parse

from tests.pipeline import workflow
from tests.pipeline.deploy_role import Deployment, Request, allowed
from tests.pipeline.tools import BIN
from tests.support.template import ROOT, TEMPLATE_FILE
from tests.template.test_validators import OFFLINE

pytestmark = pytest.mark.slow  # two stages, each deployed twice: about 20 s

REGION = "us-east-1"
MARKER = "the prebuilt template, as `sam build` left it"


@dataclass(frozen=True)
class Call:
    """One recorded AWS call: the IAM action and resource it needs, and its parameters."""

    action: str
    resource: str
    parameters: dict[str, str]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server in its own process (its recording file goes to a scratch folder)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("emulator")
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen([str(BIN / "moto_server"), "-p", str(port)], cwd=folder, stdout=log, stderr=log)
    # "localhost", not 127.0.0.1: moto only reads a TemplateURL on a host it knows for its own.
    url = f"http://localhost:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310 (our own emulator)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A checkout after the build job's artifact is unpacked: template.yaml and samconfig.toml at
    the root, and .aws-sam/build with a template whose code folders hold a stand-in each."""
    shutil.copy(TEMPLATE_FILE, tmp_path / "template.yaml")
    shutil.copy(ROOT / "samconfig.toml", tmp_path / "samconfig.toml")
    build = tmp_path / ".aws-sam" / "build"
    build.mkdir(parents=True)
    text = TEMPLATE_FILE.read_text()
    (build / "template.yaml").write_text(text.replace("Description: >-\n", f"Description: >-\n  {MARKER}.\n", 1))
    for line in text.splitlines():
        key, _, value = line.strip().partition(": ")
        if key in ("CodeUri", "ContentUri"):
            (build / value).mkdir(parents=True, exist_ok=True)
            (build / value / "app.py").write_text("def handler(event, context):\n    return event\n")
    return tmp_path


def deploy_step(job: str) -> dict[str, Any]:
    (step,) = [step for step in workflow.steps(job) if "sam deploy" in str(step.get("run", ""))]
    return step


def rehearse(job: str, project: Path, emulator: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the job's deploy step as GitHub would: bash -e, its env with the `vars` filled in."""
    step = deploy_step(job)
    env = {key: value.replace("${{ vars.", "").replace(" }}", "") for key, value in step["env"].items()}
    env = {key: variables.get(value, value) for key, value in env.items()}
    return subprocess.run(
        [shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=project,
        env={
            **OFFLINE,
            **env,
            "AWS_ENDPOINT_URL": emulator,
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "SAM_CLI_POLL_DELAY": "0.2",  # the emulator answers at once: no need to wait 5 s between polls
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def recorded_calls(emulator: str) -> list[Call]:
    with urllib.request.urlopen(f"{emulator}/moto-api/recorder/download-recording", timeout=10) as response:  # noqa: S310
        lines = response.read().decode().splitlines()
    calls = []
    for line in lines:
        request = json.loads(line)
        path = urllib.parse.urlsplit(request["url"]).path
        if path.startswith("/moto-api"):
            continue
        body = request.get("body") or ""
        if str(request.get("body_encoded")) == "True":
            body = base64.b64decode(body).decode(errors="replace")
        if request["method"] in ("HEAD", "GET", "PUT"):  # S3, path-style: /bucket/key
            action = {"HEAD": "s3:GetObject", "GET": "s3:GetObject", "PUT": "s3:PutObject"}[request["method"]]
            calls.append(Call(action, f"arn:aws:s3:::{path.lstrip('/')}", {}))
        else:
            parameters = dict(urllib.parse.parse_qsl(body))
            stack = f"arn:aws:cloudformation:{REGION}:123456789012:stack/{parameters['StackName']}/0123-abcd"
            calls.append(Call(f"cloudformation:{parameters['Action']}", stack, parameters))
    return calls


def post(emulator: str, command: str) -> None:
    """One of moto's own API calls: reset, recorder/reset-recording, recorder/start-recording, ..."""
    urllib.request.urlopen(urllib.request.Request(f"{emulator}/moto-api/{command}", method="POST"), timeout=10).close()  # noqa: S310  # fmt: skip


@pytest.mark.parametrize("job", ["deploy-dev", "deploy-prod"])
def test_the_deploy_step_deploys_the_build_as_the_execution_role_with_what_the_deploy_role_allows(
    job: str, project: Path, emulator: str
) -> None:
    stage = workflow.jobs()[job]["environment"]
    stack_name = _samconfig_stack_name(stage)
    parameters = {"GitHubRepository": "octo-org/octo-repo", "Stage": stage, "AppStackName": stack_name}
    role_stack = Deployment(parameters, region=REGION)
    variables = {
        "CLOUDFORMATION_ROLE_ARN": role_stack.attribute("CloudFormationExecutionRole", "Arn"),
        "ARTIFACTS_BUCKET": role_stack.physical_id("ArtifactsBucket"),
    }
    post(emulator, "reset")  # a fresh emulator: the other stage's stack is not this one's business
    post(emulator, "recorder/reset-recording")
    s3 = boto3.client("s3", endpoint_url=emulator, region_name=REGION)
    s3.create_bucket(Bucket=variables["ARTIFACTS_BUCKET"])
    policies = role_stack.role_policies("DeployRole")

    for attempt in ("first deploy", "redeploy"):  # a new stack, then an update of it
        post(emulator, "recorder/start-recording")
        result = rehearse(job, project, emulator, variables)
        post(emulator, "recorder/stop-recording")
        assert result.returncode == 0, f"{attempt}:\n{result.stdout}\n{result.stderr}"
        assert f"Successfully created/updated stack - {stack_name}" in result.stdout
    calls = recorded_calls(emulator)

    (create, *_) = [c for c in calls if c.action == "cloudformation:CreateChangeSet"]
    assert create.parameters["StackName"] == stack_name
    assert create.parameters["RoleARN"] == variables["CLOUDFORMATION_ROLE_ARN"]
    capabilities = {value for key, value in create.parameters.items() if key.startswith("Capabilities.")}
    assert capabilities == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    (stage_key,) = [k for k, v in create.parameters.items() if k.endswith("ParameterKey") and v == "Stage"]
    assert create.parameters[stage_key.replace("Key", "Value")] == stage
    # The template CloudFormation got is the build's, not the one at the checkout's root.
    deployed = urllib.parse.urlsplit(create.parameters["TemplateURL"]).path.split("/", 2)[2]
    template = s3.get_object(Bucket=variables["ARTIFACTS_BUCKET"], Key=deployed)
    assert MARKER in yaml_parse(template["Body"].read().decode())["Description"]
    assert {"cloudformation:ExecuteChangeSet", "cloudformation:GetTemplateSummary"} <= {c.action for c in calls}

    for call in calls:
        context = {"cloudformation:RoleArn": call.parameters["RoleARN"]} if "RoleARN" in call.parameters else {}
        assert allowed(policies, Request(call.action, call.resource, context)), call


def _samconfig_stack_name(stage: str) -> str:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    name: str = config[stage]["global"]["parameters"]["stack_name"]
    return name
