"""Has a function's code changed? A cheap fingerprint of its folder and its layers, taken per request.

The fingerprint is the newest file modification time plus the set of file paths (so an added,
removed or renamed file counts, and an atomically replaced one has a new mtime). Folder mtimes are
left out on purpose: Python creating `__pycache__/` is not a change. It costs a few dozen `stat`
calls, which is what lets an edit take effect on the very next request without restarting a
worker on every request.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

# Never part of a function's source, and some are huge.
_SKIPPED = frozenset({"__pycache__", "node_modules", ".venv", ".git", ".aws-sam", ".mypy_cache", ".pytest_cache"})

type Fingerprint = tuple[int, int]


def fingerprint(folders: Iterable[Path]) -> Fingerprint:
    newest = 0
    paths: list[str] = []
    pending = [str(folder) for folder in folders]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.name in _SKIPPED or entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
                continue
            try:
                newest = max(newest, entry.stat().st_mtime_ns)
            except FileNotFoundError:  # deleted while we looked: the path list shows it
                continue
            paths.append(entry.path)
    return newest, hash(tuple(sorted(paths)))
