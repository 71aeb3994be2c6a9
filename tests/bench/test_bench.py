"""The cheap parts of `make bench`, so they cannot break silently: AWS call counts per operation,
each benchmarked operation against its bare equivalent, the cost arithmetic (per stage, with the
template's log levels), the report and the layout cold starts import from.

No timing is asserted anywhere: the figures themselves are for `make bench` to report.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import aws_calls, cost, local_stack, report, warm
from bench.import_profile import parse_importtime
from bench.in_process import InProcessApp, LogCapture
from bench.lambda_layout import Layout, is_foreign, requirement_closure
from bench.operations import OPERATIONS, Fixtures, Operation
from devkit.emulator import Emulator
from devkit.stack import Stack
from tests.support.pyc import pyc_problems


@pytest.fixture
def fixtures(stack: Stack, aws: Emulator) -> Fixtures:
    return Fixtures.create(InProcessApp(stack, aws))


def test_every_operation_makes_no_more_aws_calls_than_its_goal(fixtures: Fixtures) -> None:
    rows = {row["operation"]: row for row in aws_calls.count(fixtures)}

    assert rows["redirect"]["calls"] == ["dynamodb:UpdateItem"]
    assert rows["redirect, malformed code (404)"]["calls"] == []
    assert rows["task list (5 tasks, limit=2)"]["units"] == 3  # pages
    missed = {name: row["calls"] for name, row in rows.items() if row["met"] is False}
    assert not missed


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.name)
def test_each_benchmarked_handler_answers_and_its_bare_side_makes_the_same_calls(
    fixtures: Fixtures, operation: Operation
) -> None:
    row = warm.measure_one(operation, fixtures, LogCapture(), rounds=1, per_round=1, warmup=0)

    assert row["handler_calls"] or operation.bare is None
    if operation.bare is not None:
        assert row["same_calls"], (row["handler_calls"], row["bare_calls"])


def test_cost_of_a_million_requests_on_fixed_inputs() -> None:
    workload = cost.Workload("x", duration_ms=2.3, memory_mb=256, write_units=1, read_units=0, log_bytes=1000)

    bill = cost.monthly_cost(workload)

    assert cost.billed_ms(2.3) == 3
    assert bill["api_gateway"] == pytest.approx(1.00)
    assert bill["lambda_requests"] == pytest.approx(0.20)
    assert bill["lambda_compute"] == pytest.approx(1e6 * 0.25 * 0.003 * 0.0000133334)
    assert bill["dynamodb_writes"] == pytest.approx(0.625)
    assert bill["cloudwatch_logs"] == pytest.approx(0.50)
    assert bill["total_without_xray"] == pytest.approx(2.325 + 0.01000005)
    assert bill["xray"] == pytest.approx(5.00)  # 0.39 requests/s: all inside the 1/s reservoir
    assert cost.monthly_cost(workload, api="rest")["api_gateway"] == pytest.approx(3.50)


def test_xray_sampling_and_dynamodb_units() -> None:
    assert cost.traced_fraction(0.4) == 1.0
    assert cost.traced_fraction(10) == pytest.approx(0.145)
    assert cost.item_size({"shortCode": {"S": "abc"}, "clicks": {"N": "12345"}}) == 9 + 3 + 6 + 4
    assert cost.item_size({"m": {"M": {"a": {"BOOL": True}}}}) == 1 + 3 + 1 + 1 + 1
    assert (cost.write_units(1024), cost.write_units(1025)) == (1, 2)
    assert (cost.read_units(4097), cost.read_units(100, consistent=False)) == (2, 0.5)
    assert cost.units(["dynamodb:UpdateItem", "dynamodb:GetItem"], 100) == (1, 1)


WARM_ROW = {"handler_ms": {"median": 4.2}, "handler_calls": ["dynamodb:UpdateItem"], "log_sample": '{"a":1}\n'}
WARM_ROWS = [
    {**WARM_ROW, "operation": "redirect"},
    {**WARM_ROW, "operation": "shorten", "handler_calls": ["dynamodb:PutItem"]},
    {**WARM_ROW, "operation": "task get", "handler_calls": ["dynamodb:GetItem"]},
]
WORKLOAD_FUNCTIONS = ("RedirectLinkFunction", "ShortenLinkFunction", "GetTaskFunction")


def stage(system_log_level: str) -> cost.StageConfig:
    return cost.StageConfig(
        memory_mb=dict.fromkeys(WORKLOAD_FUNCTIONS, 256),
        log_levels=dict.fromkeys(WORKLOAD_FUNCTIONS, cost.LogLevels("JSON", system=system_log_level)),
        access_log_format='{"id":"$context.requestId"}',
    )


def test_the_seed_comparison_is_prods_and_dev_pays_for_lambdas_platform_lines() -> None:
    section = cost.estimate(WARM_ROWS, {"link": 130, "task": 170}, {"prod": stage("WARN"), "dev": stage("INFO")})

    prod, dev = section["stages"]["prod"], section["stages"]["dev"]
    assert section["headline_stage"] == "prod"
    assert prod["seed"]["ours_on_seed_basis"] == pytest.approx(1.00 + 0.20 + 0.625)
    redirects = prod["workloads"][0]
    assert math.isclose(prod["seed"]["ratio_without_xray"] * 4.45, redirects["http_api"]["total_without_xray"])
    assert redirects["log_bytes_by_source"]["lambda_platform"] == 0
    platform = dev["workloads"][0]["log_bytes_by_source"]["lambda_platform"]
    assert platform > 600  # START and REPORT, JSON, traced
    extra = dev["workloads"][0]["http_api"]["total_without_xray"] - redirects["http_api"]["total_without_xray"]
    assert extra == pytest.approx(1e6 * platform / 1e9 * 0.50)
    assert dev["workloads"][0]["http_api"]["xray"] == redirects["http_api"]["xray"]  # X-Ray apart, in both
    text = "\n".join(report.cost_lines(section))
    assert "### Stage=prod (the headline" in text
    assert "### Stage=dev" in text
    assert "per 1M redirects** (goal <= 0.5x seed ($2.225)), Stage=prod:" in text
    assert "Assumptions:" in text
    assert "Stage=prod:" in "\n".join(report.summary_lines({"cost": section}))


def test_a_bill_needs_the_production_stage() -> None:
    with pytest.raises(ValueError, match="prod"):
        cost.estimate(WARM_ROWS, {"link": 130, "task": 170}, {"dev": stage("INFO")})


def test_log_levels_drop_what_lambda_and_powertools_would_not_send() -> None:
    debug, info, error = (f'{{"level":"{level}","message":"m"}}' for level in ("DEBUG", "INFO", "ERROR"))
    emf = '{"_aws":{"CloudWatchMetrics":[]},"Redirects":[1.0]}'  # no level: Lambda takes it for INFO

    warn = cost.LogLevels("JSON", system="WARN", application="WARN")
    assert [warn.sends(line) for line in (debug, info, emf, error)] == [False, False, False, True]
    assert not warn.sends_platform_records()
    assert cost.LogLevels("JSON", system="INFO").sends_platform_records()
    text = cost.LogLevels("Text", system="WARN", application="WARN")  # Lambda filters JSON logs only
    assert [text.sends_platform_records(), text.sends(info), text.sends(emf)] == [True, True, True]
    quiet_powertools = cost.LogLevels("Text", powertools="ERROR")  # Powertools never prints the INFO line
    assert [quiet_powertools.sends(line) for line in (info, emf, error)] == [False, True, True]
    assert cost.LogLevels.of({"LogFormat": "JSON", "SystemLogLevel": "warn"}, {"POWERTOOLS_LOG_LEVEL": "debug"}) == (
        cost.LogLevels("JSON", system="WARN", application="INFO", powertools="DEBUG")
    )


def test_each_stage_of_the_template_is_billed_with_its_own_log_levels() -> None:
    configs = {name: cost.stage_config(Stack(parameters={"Stage": name})) for name in cost.STAGES}
    prod, dev = (configs[name].log_levels["RedirectLinkFunction"] for name in ("prod", "dev"))

    assert (prod.log_format, prod.system, dev.system) == ("JSON", "WARN", "INFO")  # template.yaml's Globals
    assert "$context.requestId" in (configs["prod"].access_log_format or "")
    assert configs["prod"].memory_mb["RedirectLinkFunction"] == 256
    prod_bytes, dev_bytes = (cost.log_bytes("", 4.2, 256, None, levels) for levels in (prod, dev))
    assert prod_bytes["lambda_platform"] == 0 < dev_bytes["lambda_platform"]


def test_a_foreign_wheel_is_replaced_by_this_machines_build_compiled_as_sam_build_compiles(tmp_path: Path) -> None:
    built = tmp_path / "ProcessUploadFunction"
    info = built / "pillow-13.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: cp313-cp313-manylinux_2_28_elsewhere\n")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pillow\nVersion: 13.0.0\n\n")
    (info / "RECORD").write_text("PIL/__init__.py,,\n")
    (built / "app.py").write_text("import PIL\n")

    with Layout() as layout:
        task = layout.task_dir(built)
        sources = sorted((task.path / "PIL").rglob("*.py"))

        assert [s.distribution for s in task.substitutions] == ["pillow"]
        assert (task.path / "app.py").resolve() == (built / "app.py").resolve()
        assert len(sources) > 10
        assert pyc_problems(sources) == []
        pyc = (task.path / "PIL" / "__pycache__" / "Image.cpython-313.pyc").read_bytes()
        assert b"/var/task/PIL/Image.py" in pyc  # named as the build names it, not by the copy's path
        assert str(layout.root).encode() not in pyc


def test_lambda_layout_helpers() -> None:
    assert is_foreign(["cp313-cp313-manylinux_2_28_aarch64"], machine="x86_64")
    assert not is_foreign(["cp313-cp313-manylinux_2_28_aarch64"], machine="aarch64")
    assert not is_foreign(["py3-none-any"], machine="x86_64")
    runtime = requirement_closure(["boto3"])
    assert {"boto3", "botocore", "s3transfer", "jmespath", "urllib3"} <= set(runtime)
    assert "awscrt" not in runtime  # an optional extra: not what Lambda's runtime has


def test_importtime_parsing() -> None:
    stderr = (
        "import time: self [us] | cumulative | imported package\nimport time:       120 |        450 |   common.http\n"
    )

    assert parse_importtime(stderr) == {"common.http": 120}


def test_make_runs_goals_are_judged_on_the_median_ratio_of_paired_rounds() -> None:
    # Round 2 alone would fail the goal: a single noisy round must not decide the verdict.
    row = local_stack.comparison("GET /links/x", "ThreadingHTTPServer", [1.2, 2.0, 1.1], [1.0, 1.0, 1.0], 1.5)
    assert row["ratios"] == [1.2, 2.0, 1.1]
    assert (row["ratio"], row["met"]) == (1.2, True)
    assert local_stack.comparison("GET /demo", "in-process", [1.4, 1.5], [1.0, 1.0], 1.3)["met"] is False

    goals = {
        "startup": {"listening_s": 2.0, "first_answered_s": 3.1, "first_request_ms": 600, "first_status": 301},
        "comparisons": [row],
        "concurrency": {"clients": 50, "seconds": 10, "redirects": 900, "errors": 0, "clicks": 899, "met": False},
    }
    text = "\n".join(report.local_stack_goal_lines(goals))
    summary = "\n".join(report.summary_lines({"local_stack": {"goals": goals}}))

    assert "| GET /links/x | ThreadingHTTPServer | 1.20 | 1.00 | 1.20x (1.10-2.00) | <= 1.5x |" in text
    assert "899 clicks" in text
    assert "make run: 1/2 goals met (GET /links/x 1.20x); misses: 50 clients" in summary
