"""What a short code and an expiry may be: the pure rules in common.links, without AWS."""

from __future__ import annotations

import pytest

from common import errors, links


@pytest.mark.parametrize("alias", ["abc", "my-Link_1", "x" * 32])
def test_an_alias_of_3_to_32_safe_characters_is_accepted(alias: str) -> None:
    assert links.validate_alias(alias) == alias


@pytest.mark.parametrize("alias", ["links", "Shorten", "USERS", "WWW"])
def test_reserved_words_are_refused_in_any_case(alias: str) -> None:
    with pytest.raises(errors.BadRequest, match="is reserved"):
        links.validate_alias(alias)


@pytest.mark.parametrize("alias", ["ab", "a" * 33, "has space", "slash/x", "dot.x", "ünï", "", 42, ["x"]])
def test_malformed_aliases_are_refused(alias: object) -> None:
    with pytest.raises(errors.BadRequest, match="alias must be"):
        links.validate_alias(alias)


@pytest.mark.parametrize("days", [0, 1, 3650])
def test_expiry_is_0_to_3650_days(days: int) -> None:
    assert links.validate_expiry_days(days) == days


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "between 0 \\(never\\) and 3650"),
        (3651, "between 0 \\(never\\) and 3650"),
        (1.5, "whole number"),
        ("7", "whole number"),
        (True, "whole number"),
        (None, "whole number"),
    ],
)
def test_other_expiries_are_refused(days: object, message: str) -> None:
    with pytest.raises(errors.BadRequest, match=message):
        links.validate_expiry_days(days)
