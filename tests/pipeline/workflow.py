""".github/workflows/pipeline.yml as data: its triggers, jobs and steps."""

from __future__ import annotations

from typing import Any

from tests.support.template import ROOT, parsed

WORKFLOWS = ROOT / ".github" / "workflows"
PIPELINE = WORKFLOWS / "pipeline.yml"
CONFIGURE_AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"


def workflow() -> dict[Any, Any]:
    return parsed(PIPELINE)


def triggers() -> dict[str, Any]:
    """The `on:` block (YAML 1.1 reads the bare key `on` as True)."""
    on: dict[str, Any] = workflow()[True]
    return on


def jobs() -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = workflow()["jobs"]
    return jobs


def steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = jobs()[job]["steps"]
    return steps


def action(step: dict[str, Any]) -> str:
    """`owner/repo` of a `uses:` step (without the ref), or "" for a `run:` step."""
    return str(step.get("uses", "")).split("@", 1)[0]


def deploy_jobs() -> dict[str, dict[str, Any]]:
    """The jobs that get AWS credentials."""
    return {
        name: job
        for name, job in jobs().items()
        if any(action(step) == CONFIGURE_AWS_CREDENTIALS for step in job["steps"])
    }


def run_scripts() -> list[str]:
    return [str(step["run"]) for job in jobs() for step in steps(job) if "run" in step]
