""".github/workflows/pipeline.yml: actionlint and zizmor find nothing, actions are pinned, each job
has only the permissions it needs, and main's build is deployed to dev, then prod, one at a time."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from tests.pipeline import workflow
from tests.pipeline.tools import BIN, run
from tests.support.template import ROOT

# A workflow with the mistakes the checkers exist for: proof that they run and look.
HAZARDS = """\
on: pull_request_target
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def actionlint(*paths: str, cwd: Path = ROOT) -> tuple[int, str]:
    # The venv's shellcheck checks the run: scripts; no step runs Python, so no pyflakes.
    tools = ["-shellcheck", str(BIN / "shellcheck"), "-pyflakes", ""]
    result = run(str(BIN / "actionlint"), "-no-color", "-oneline", *tools, *paths, cwd=cwd)
    return result.returncode, result.stdout + result.stderr


def zizmor(path: Path) -> tuple[int, str]:
    # --offline: nothing is fetched from GitHub (docs/pipeline.md says which audits that skips).
    # The pedantic persona: code smells too, such as a permission without a comment saying why.
    result = run(
        str(BIN / "zizmor"), "--offline", "--persona", "pedantic", "--no-progress", "--color", "never", str(path)
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_actionlint_finds_nothing() -> None:
    assert (BIN / "shellcheck").exists()

    returncode, output = actionlint(str(workflow.PIPELINE.relative_to(ROOT)))

    assert returncode == 0, output
    assert output.strip() == ""


def test_zizmor_finds_nothing() -> None:
    # .github: the workflow and dependabot.yml, which keeps the pinned actions current.
    returncode, output = zizmor(workflow.WORKFLOWS.parent)

    assert returncode == 0, output
    assert "No findings to report" in output


def test_both_checkers_catch_a_hazardous_workflow(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "hazards.yml").write_text(HAZARDS)

    returncode, output = actionlint(".github/workflows/hazards.yml", cwd=tmp_path)
    assert returncode != 0
    assert "github.event.pull_request.title" in output  # untrusted input in a script

    returncode, output = zizmor(tmp_path / ".github" / "workflows")
    assert returncode != 0
    for audit in ("dangerous-triggers", "template-injection", "unpinned-uses", "excessive-permissions", "artipacked"):
        assert audit in output, audit


def test_every_action_is_pinned_to_a_full_commit_with_its_version_alongside() -> None:
    lines = [line.strip().removeprefix("- ") for line in workflow.PIPELINE.read_text().splitlines()]
    uses = [line for line in lines if line.startswith("uses:")]

    assert len(uses) >= 10
    for line in uses:
        assert re.fullmatch(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_one_action_version_per_action() -> None:
    refs: dict[str, set[str]] = {}
    for job in workflow.jobs():
        for step in workflow.steps(job):
            if "uses" in step:
                refs.setdefault(workflow.action(step), set()).add(step["uses"])

    assert {name: len(pins) for name, pins in refs.items()} == dict.fromkeys(refs, 1)


def test_no_trigger_runs_untrusted_code_with_the_repositorys_rights() -> None:
    assert set(workflow.triggers()) == {"pull_request", "push"}


def test_no_expression_is_interpolated_into_a_script() -> None:
    # Values reach scripts as environment variables, so nothing can inject shell syntax.
    for script in workflow.run_scripts():
        assert "${{" not in script, script


def test_every_checkout_leaves_no_credentials_behind() -> None:
    for job in workflow.jobs():
        for step in workflow.steps(job):
            if workflow.action(step) == "actions/checkout":
                assert step["with"]["persist-credentials"] is False, job


def test_permissions_are_none_by_default_and_read_only_except_the_deploy_token() -> None:
    assert workflow.workflow()["permissions"] == {}
    for name, job in workflow.jobs().items():
        expected = {"contents": "read"}
        if name in workflow.deploy_jobs():
            expected["id-token"] = "write"
        assert job["permissions"] == expected, name


def test_credentials_are_only_from_oidc_and_only_in_a_stage_environment() -> None:
    deploys = workflow.deploy_jobs()

    assert set(deploys) == {"deploy-dev", "deploy-prod"}
    for name, job in deploys.items():
        assert job["environment"] == name.removeprefix("deploy-")
        (configure,) = [step for step in job["steps"] if workflow.action(step) == workflow.CONFIGURE_AWS_CREDENTIALS]
        assert configure["with"] == {
            "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            "aws-region": "${{ vars.AWS_REGION }}",
        }
    assert "secrets." not in workflow.PIPELINE.read_text()


def test_main_is_built_once_and_that_build_goes_to_dev_then_prod() -> None:
    jobs = workflow.jobs()
    (upload,) = [s for s in jobs["build"]["steps"] if workflow.action(s) == "actions/upload-artifact"]

    assert jobs["build"]["needs"] == "checks"
    assert "github.ref == 'refs/heads/main'" in jobs["build"]["if"]
    assert jobs["deploy-dev"]["needs"] == "build"
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"
    for name in ("deploy-dev", "deploy-prod"):
        (download,) = [s for s in jobs[name]["steps"] if workflow.action(s) == "actions/download-artifact"]
        assert download["with"]["name"] == upload["with"]["name"]
        assert not any("sam build" in str(step.get("run", "")) for step in jobs[name]["steps"])


def test_two_deploys_of_one_stage_never_overlap() -> None:
    for name, job in workflow.deploy_jobs().items():
        assert job["concurrency"] == {"group": f"deploy-{job['environment']}", "cancel-in-progress": False}, name


@pytest.mark.parametrize("job", ["deploy-dev", "deploy-prod"])
def test_each_stage_deploys_with_its_samconfig_environment_without_asking(job: str) -> None:
    (command,) = [step["run"] for step in workflow.steps(job) if "sam deploy" in str(step.get("run", ""))]
    arguments = shlex.split(command)
    stage = workflow.jobs()[job]["environment"]
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())

    assert arguments[arguments.index("--config-env") + 1] == stage
    assert stage in config
    assert {"--no-confirm-changeset", "--no-fail-on-empty-changeset", "--no-resolve-s3"} <= set(arguments)
    assert arguments[arguments.index("--role-arn") + 1] == "$CLOUDFORMATION_ROLE_ARN"
    # No template named: sam deploy takes .aws-sam/build/template.yaml, the build.
    assert "--template-file" not in arguments
    assert "-t" not in arguments


def test_checks_run_what_ci_runs_with_the_venvs_cached_on_what_make_installs() -> None:
    steps = workflow.steps("checks")
    makefile = (ROOT / "Makefile").read_text()
    keys = [s["with"]["key"] for s in steps if workflow.action(s) == "actions/cache"]

    assert steps[-1]["run"] == ".ci/run"
    assert "requirements-dev.txt src/layers/common/requirements.txt" in makefile  # what the .venv stamp hashes
    assert "hashFiles('requirements-dev.txt', 'src/layers/common/requirements.txt')" in keys[0]
    assert "cksum < requirements-checkov.txt" in makefile
    assert "hashFiles('requirements-checkov.txt')" in keys[1]
    for key in keys:
        assert "steps.python.outputs.python-version" in key  # a venv only works with its own Python
