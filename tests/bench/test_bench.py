"""The cheap parts of `make bench`, so they cannot break silently: AWS call counts per operation,
each benchmarked operation against its bare equivalent, the cost arithmetic and the report.

No timing is asserted anywhere: the figures themselves are for `make bench` to report.
"""

from __future__ import annotations

import math

import pytest

from bench import aws_calls, cost, report, warm
from bench.import_profile import parse_importtime
from bench.in_process import InProcessApp, LogCapture
from bench.lambda_layout import is_foreign, requirement_closure
from bench.operations import OPERATIONS, Fixtures, Operation
from devserver.emulator import Emulator
from devserver.stack import Stack


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


def test_the_seed_comparison_and_its_report_section() -> None:
    warm_row = {"handler_ms": {"median": 4.2}, "handler_calls": ["dynamodb:UpdateItem"], "log_sample": '{"a":1}\n'}
    rows = [
        {**warm_row, "operation": "redirect"},
        {**warm_row, "operation": "shorten", "handler_calls": ["dynamodb:PutItem"]},
        {**warm_row, "operation": "task get", "handler_calls": ["dynamodb:GetItem"]},
    ]
    memory = {"RedirectLinkFunction": 256, "ShortenLinkFunction": 256, "GetTaskFunction": 256}

    section = cost.estimate(rows, {"link": 130, "task": 170}, memory, '{"id":"$context.requestId"}')

    seed = section["seed"]
    assert seed["ours_on_seed_basis"] == pytest.approx(1.00 + 0.20 + 0.625)
    assert math.isclose(seed["ratio_without_xray"] * 4.45, section["workloads"][0]["http_api"]["total_without_xray"])
    assert "vs the seed" in "\n".join(report.cost_lines(section))


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
