"""Lambda's event filter patterns, the subset the local stack applies to stream records."""

from __future__ import annotations

from typing import Any

import pytest

from devserver.event_filter import UnsupportedFilter, describe, parse_filter_criteria, passes

REMOVE = {"eventName": "REMOVE", "dynamodb": {"Keys": {"user_id": {"S": "alice"}}}}
INSERT = {"eventName": "INSERT", "dynamodb": {"Keys": {"user_id": {"S": "bob"}}}}


def criteria(*patterns: str) -> dict[str, Any]:
    return {"Filters": [{"Pattern": pattern} for pattern in patterns]}


def test_the_templates_filter_lets_only_removals_through() -> None:
    patterns = parse_filter_criteria(criteria('{"eventName": ["REMOVE"]}'))

    assert passes(patterns, REMOVE)
    assert not passes(patterns, INSERT)
    assert describe(patterns) == "REMOVE"


def test_no_filter_lets_everything_through() -> None:
    assert passes(parse_filter_criteria(None), INSERT)


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ('{"eventName": ["INSERT", "REMOVE"]}', {"REMOVE", "INSERT"}),
        ('{"dynamodb": {"Keys": {"user_id": {"S": ["alice"]}}}}', {"REMOVE"}),
        ('{"dynamodb": {"Keys": {"user_id": {"S": [{"prefix": "b"}]}}}}', {"INSERT"}),
        ('{"eventName": [{"anything-but": "REMOVE"}]}', {"INSERT"}),
        ('{"eventName": [{"suffix": "OVE"}]}', {"REMOVE"}),
        ('{"dynamodb": {"NewImage": [{"exists": false}]}}', {"REMOVE", "INSERT"}),
        ('{"dynamodb": {"NewImage": [{"exists": true}]}}', set()),
    ],
)
def test_nested_keys_and_rules(pattern: str, matches: set[str]) -> None:
    patterns = parse_filter_criteria(criteria(pattern))

    assert {record["eventName"] for record in (REMOVE, INSERT) if passes(patterns, record)} == matches


def test_any_of_several_patterns_is_enough() -> None:
    patterns = parse_filter_criteria(criteria('{"eventName": ["REMOVE"]}', '{"eventName": ["INSERT"]}'))

    assert passes(patterns, REMOVE)
    assert passes(patterns, INSERT)


def test_numbers_and_strings_are_different_values() -> None:
    patterns = parse_filter_criteria(criteria('{"count": [5]}'))

    assert passes(patterns, {"count": 5})
    assert not passes(patterns, {"count": "5"})
    assert not passes(patterns, {"count": True})


@pytest.mark.parametrize(
    "pattern", ['{"n": [{"numeric": [">", 1]}]}', '{"eventName": "REMOVE"}', '["REMOVE"]', '{"a": [["x"]]}']
)
def test_filter_syntax_that_is_not_emulated_is_refused_not_ignored(pattern: str) -> None:
    with pytest.raises(UnsupportedFilter):
        parse_filter_criteria(criteria(pattern))
