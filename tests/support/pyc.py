"""Whether built Python sources ship .pyc that Lambda imports as they are: no compiling, no checking."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path

UNCHECKED_HASH_PYC = 0b01  # PEP 552 flags: hash-based, source not checked at import


def pyc_problems(sources: Iterable[Path]) -> list[str]:
    """What is wrong with each source's .pyc: missing, another Python's, timestamp-based, checked, stale."""
    problems = []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        header = pyc.read_bytes()[:16] if pyc.is_file() else b""
        if not header:
            problems.append(f"missing {pyc}")
        elif header[:4] != importlib.util.MAGIC_NUMBER:
            problems.append(f"{pyc}: not compiled by this Python")
        elif int.from_bytes(header[4:8], "little") != UNCHECKED_HASH_PYC:
            problems.append(f"{pyc}: not unchecked-hash")
        elif header[8:16] != importlib.util.source_hash(source.read_bytes()):
            problems.append(f"{pyc}: stale")
    return problems
