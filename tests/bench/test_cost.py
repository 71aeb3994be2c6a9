"""The cost table's arithmetic, and the template settings it reads per stage."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench import cost
from devkit.stack import Stack

PROD_LIKE = cost.FunctionSettings(
    memory_mb=256, architecture="arm64", traced=True, log_format="JSON", system_level="WARN",
    application_level="INFO", powertools_level="INFO", access_log_format='{"id":"$context.requestId"}',
)  # fmt: skip


def test_a_million_requests_on_fixed_inputs() -> None:
    info_line = '{"level":"INFO","message":"Link created"}'  # 41 bytes, + 26 of CloudWatch overhead
    bill = cost.per_million(2.3, ["dynamodb:PutItem"], 100, info_line + "\n", PROD_LIKE)

    assert bill["api"] == pytest.approx(1.00)
    assert bill["lambda"] == pytest.approx(0.20 + 1e6 * 0.25 * 0.003 * 0.0000133334)  # 3 ms billed
    assert bill["dynamodb"] == pytest.approx(0.625)  # one write unit: the item is under 1 KB
    access_line = '{"id":"Ab1CdEfGhIjKlMn="}'
    assert bill["logs"] == pytest.approx(1e6 * (41 + 26 + len(access_line) + 26) / 1e9 * 0.50)
    assert bill["total"] == pytest.approx(bill["api"] + bill["lambda"] + bill["dynamodb"] + bill["logs"])
    assert bill["xray"] == 5.00


def test_log_levels_keep_only_what_lambda_and_powertools_send() -> None:
    debug, info, error = (f'{{"level":"{level}","message":"m"}}' for level in ("DEBUG", "INFO", "ERROR"))
    emf = '{"_aws":{"CloudWatchMetrics":[]},"Redirects":[1.0]}'  # no level: Lambda takes it for INFO
    warn = replace(PROD_LIKE, application_level="WARN")
    text = replace(PROD_LIKE, log_format="Text", application_level="WARN")

    assert [warn.sends(line) for line in (debug, info, emf, error)] == [False, False, False, True]
    assert [text.sends(line) for line in (debug, info, emf)] == [False, True, True]  # Lambda filters JSON only
    assert not PROD_LIKE.sends_platform_records()
    assert text.sends_platform_records()


def test_each_stage_is_billed_with_the_templates_own_settings() -> None:
    prod, dev = (cost.FunctionSettings.of(Stack(parameters={"Stage": s}), "RedirectLinkFunction") for s in cost.STAGES)

    assert (prod.memory_mb, prod.architecture, prod.traced, prod.log_format) == (256, "arm64", True, "JSON")
    assert (prod.system_level, dev.system_level) == ("WARN", "INFO")  # Globals: !If [IsProd, WARN, INFO]
    assert "$context.requestId" in prod.access_log_format
    assert cost.log_bytes("", 4.2, dev) - cost.log_bytes("", 4.2, prod) > 600  # Lambda's START and REPORT


def test_dynamodb_item_sizes_follow_aws_rules() -> None:
    assert cost.item_size({"shortCode": {"S": "abc"}, "clicks": {"N": "12345"}}) == 9 + 3 + 6 + 4
    assert cost.item_size({"m": {"M": {"a": {"BOOL": True}}}}) == 1 + 3 + 1 + 1 + 1
    assert cost.item_size({"l": {"L": [{"S": "ab"}, {"NULL": True}]}}) == 1 + 3 + 3 + 2
