"""Lambda's event filtering (an event source mapping's `FilterCriteria`), for the patterns templates use.

A pattern is a JSON object whose leaves are lists of allowed values; a record matches when every
key of the pattern matches, and it passes the filter when it matches any pattern (no pattern at
all lets everything through). Supported rules: literal values (string, number, boolean, null),
`{"prefix": ...}`, `{"suffix": ...}`, `{"anything-but": value or [values]}` and `{"exists": bool}`.
Any other rule is refused when the template is read, so a filter is never half-applied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

type Pattern = dict[str, Any]

_OPERATORS = frozenset({"prefix", "suffix", "anything-but", "exists"})


class UnsupportedFilter(ValueError):
    """A pattern uses filter syntax the local stack does not implement."""


def parse_filter_criteria(criteria: object) -> tuple[Pattern, ...]:
    """The patterns of `FilterCriteria: {Filters: [{Pattern: "<json>"}]}`, validated."""
    if not criteria:
        return ()
    if not isinstance(criteria, Mapping):
        raise UnsupportedFilter(f"FilterCriteria must be a mapping, not {criteria!r}")
    patterns = []
    for entry in criteria.get("Filters") or []:
        raw = entry.get("Pattern") if isinstance(entry, Mapping) else None
        pattern = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(pattern, dict):
            raise UnsupportedFilter(f"A filter pattern must be a JSON object: {raw!r}")
        _validate(pattern)
        patterns.append(pattern)
    return tuple(patterns)


def passes(patterns: Sequence[Pattern], record: Mapping[str, Any]) -> bool:
    """True if `record` matches any of `patterns` (or there are none)."""
    return not patterns or any(_matches(pattern, record) for pattern in patterns)


def describe(patterns: Sequence[Pattern]) -> str:
    """A short label for the console: `REMOVE` for `{"eventName": ["REMOVE"]}`, else the JSON."""
    labels = []
    for pattern in patterns:
        names = pattern.get("eventName")
        if list(pattern) == ["eventName"] and isinstance(names, list) and all(isinstance(n, str) for n in names):
            labels.extend(names)
        else:
            labels.append(json.dumps(pattern, separators=(",", ":")))
    return " | ".join(labels) if labels else "all records"


def _validate(pattern: Mapping[str, Any]) -> None:
    for key, expected in pattern.items():
        if isinstance(expected, Mapping):
            _validate(expected)
        elif isinstance(expected, list):
            for rule in expected:
                if isinstance(rule, Mapping) and (len(rule) != 1 or next(iter(rule)) not in _OPERATORS):
                    raise UnsupportedFilter(f"Filter rule {json.dumps(rule)} on {key!r} is not emulated")
                if isinstance(rule, list):
                    raise UnsupportedFilter(f"Filter rule {json.dumps(rule)} on {key!r} is not a value")
        else:
            raise UnsupportedFilter(f"Filter values must be lists: {key!r}: {json.dumps(expected)}")


def _matches(pattern: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    for key, expected in pattern.items():
        if isinstance(expected, Mapping):
            nested = value.get(key)
            if not isinstance(nested, Mapping) or not _matches(expected, nested):
                return False
        elif not any(_rule_holds(rule, key in value, value.get(key)) for rule in expected):
            return False
    return True


def _rule_holds(rule: object, present: bool, actual: object) -> bool:
    if isinstance(rule, Mapping):
        ((operator, argument),) = rule.items()
        if operator == "exists":
            return present is bool(argument)
        return present and _operator_holds(operator, argument, actual)
    candidates = actual if isinstance(actual, list) else [actual]  # an array matches if any element does
    return present and any(_same(candidate, rule) for candidate in candidates)


def _operator_holds(operator: str, argument: object, actual: object) -> bool:
    candidates = actual if isinstance(actual, list) else [actual]
    if operator == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        return all(not any(_same(candidate, value) for value in excluded) for candidate in candidates)
    if operator == "prefix":
        return any(isinstance(c, str) and c.startswith(str(argument)) for c in candidates)
    return any(isinstance(c, str) and c.endswith(str(argument)) for c in candidates)  # suffix


def _same(actual: object, expected: object) -> bool:
    """JSON equality: "5" is not 5, true is not 1, but 5 is 5.0."""
    if isinstance(actual, bool) or isinstance(expected, bool) or actual is None or expected is None:
        return actual is expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return actual == expected
    return type(actual) is type(expected) and actual == expected
