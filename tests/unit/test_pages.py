"""Page sizes and page tokens (common.pages): what `?limit=` may be, and tokens nobody can forge."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from common import errors, pages


@pytest.mark.parametrize(("limit", "size"), [(None, 50), ("1", 1), ("100", 100), ("050", 50)])
def test_a_page_holds_1_to_100_tasks_50_by_default(limit: str | None, size: int) -> None:
    assert pages.validate_page_size(limit) == size


@pytest.mark.parametrize(
    "limit",
    ["0", "101", "-1", "ten", "1.5", "", " 5", "0050", "²", "1" * 4301, "9" * 100_000],  # "²".isdigit()
)
def test_any_other_limit_is_a_bad_request(limit: str) -> None:
    # int() refuses strings of more than 4300 digits with ValueError: that was a 500.
    with pytest.raises(errors.BadRequest, match="limit must be a whole number from 1 to 100"):
        pages.validate_page_size(limit)


def test_a_token_resumes_where_it_was_issued() -> None:
    assert pages.decode("alice", pages.encode("alice", "01JDX3Q8V2M7Z5K9N4R6T8W0YA")) == "01JDX3Q8V2M7Z5K9N4R6T8W0YA"


def test_a_token_is_opaque() -> None:
    assert "01JDX3Q8V2M7Z5K9N4R6T8W0YA" not in pages.encode("alice", "01JDX3Q8V2M7Z5K9N4R6T8W0YA")


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: pages.encode("mallory", "01JDX3Q8V2M7Z5K9N4R6T8W0YA"),  # another user's
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: ("A" if token[0] != "A" else "B") + token[1:],  # payload changed
        lambda token: token.split(".")[0],  # signature dropped
        lambda _: "garbage",
        lambda _: "ünïcode.sïg",
        lambda _: ".",
    ],
    ids=["other-user", "signature", "payload", "unsigned", "garbage", "non-ascii", "empty-parts"],
)
def test_a_forged_token_is_a_bad_request(forge: Callable[[str], str]) -> None:
    token = pages.encode("alice", "01JDX3Q8V2M7Z5K9N4R6T8W0YA")

    with pytest.raises(errors.BadRequest, match="next_token is invalid"):
        pages.decode("alice", forge(token))


def test_the_key_comes_from_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    token = pages.encode("alice", "01JDX3Q8V2M7Z5K9N4R6T8W0YA")
    monkeypatch.setenv("PAGE_TOKEN_KEY", "another stack")

    with pytest.raises(errors.BadRequest):
        pages.decode("alice", token)
