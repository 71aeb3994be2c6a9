"""Text people type (titles, descriptions, file names): printable, and never blank where required.

One rule for all of them. Refused: controls (C0 and C1: NUL, CR, ESC, ...), format characters that
are invisible or reorder what is shown (a zero-width space as a whole title, bidi overrides that
make "exe.png" look like "png.exe"), surrogates (not valid UTF-8: DynamoDB refuses them),
private-use and unassigned code points, and line/paragraph separators. Two format characters stay
allowed because real text needs them: the zero-width joiner and non-joiner (emoji sequences;
Persian, Hindi and other scripts). Multi-line text may also hold line feeds and tabs.
"""

from __future__ import annotations

import unicodedata

from common import errors

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")
_ALLOWED = {False: _JOINERS, True: _JOINERS | frozenset("\n\t")}


def printable(value: object, name: str, *, min_length: int, max_length: int, multiline: bool = False) -> str:
    """`value` if it is a string of `min_length` to `max_length` characters that are all printable
    (see above; `multiline` also allows line feeds and tabs), else BadRequest naming `name`."""
    if not isinstance(value, str):
        raise errors.BadRequest(f"{name} must be a string")
    if not min_length <= len(value) <= max_length:
        raise errors.BadRequest(f"{name} must be {min_length} to {max_length} characters")
    allowed = _ALLOWED[multiline]
    if any(char not in allowed and unicodedata.category(char) in _REFUSED_CATEGORIES for char in value):
        raise errors.BadRequest(f"{name} must not contain control or invisible formatting characters")
    return value


def is_blank(value: str) -> bool:
    """True when nothing in `value` would show: only whitespace and joiners."""
    return all(char.isspace() or char in _JOINERS for char in value)
