"""Printable text: the one rule titles, descriptions and file names share (common.text)."""

from __future__ import annotations

import pytest

from common import errors, text


def printable(value: object, *, multiline: bool = False) -> str:
    return text.printable(value, "field", min_length=0, max_length=50, multiline=multiline)


@pytest.mark.parametrize(
    "value",
    [
        "Expense report",
        "Größe · 大きさ · حجم",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian needs the zero-width non-joiner
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # one family emoji: three joined by ZWJ
        "caf\u0065\u0301",  # a combining accent
        "tab\u00a0and\u3000spaces",  # no-break and ideographic spaces
    ],
)
def test_text_people_write_is_printable(value: str) -> None:
    assert printable(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "\u200b",  # zero-width space
        "a\u2060b",  # word joiner
        "\ufeffbom",
        "photo\u202egnp.exe",  # right-to-left override
        "a\u2066b",  # bidi isolate
        "a\x00b",
        "a\x1b[31mred",
        "a\rb",
        "a\x85b",  # C1 next line
        "a\u2028b",  # line separator
        "a\ue000b",  # private use
        "a\U000e0001b",  # language tag
        "a\u0378b",  # unassigned
        "a\ud800b",  # half a surrogate pair
    ],
)
def test_controls_and_invisible_formatting_are_refused(value: str) -> None:
    with pytest.raises(errors.BadRequest, match="field must not contain control or invisible formatting characters"):
        printable(value)


def test_multiline_text_may_hold_line_feeds_and_tabs_but_no_other_controls() -> None:
    assert printable("first line\n\tsecond", multiline=True) == "first line\n\tsecond"
    with pytest.raises(errors.BadRequest, match="field must not contain control"):
        printable("first\nsecond")
    with pytest.raises(errors.BadRequest, match="field must not contain control"):
        printable("windows\r\nline", multiline=True)


@pytest.mark.parametrize(
    ("value", "message"), [(5, "must be a string"), (None, "must be a string"), ("x" * 51, "0 to 50")]
)
def test_type_and_length_are_checked(value: object, message: str) -> None:
    with pytest.raises(errors.BadRequest, match=message):
        printable(value)


@pytest.mark.parametrize(
    ("value", "blank"), [("", True), ("  \t", True), ("\u200d", True), (" a ", False), (".", False)]
)
def test_blank_means_nothing_would_show(value: str, blank: bool) -> None:
    assert text.is_blank(value) is blank
