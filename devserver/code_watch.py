"""Which code changed while `make run` runs: watchdog on every function's folder, its layers, and the template.

A change to a file in a function's folder or one of its layers retires that function's warm
workers at once, so the next request starts one on the new code. Python's bytecode caches and
hidden files (editor swap files) are not code. The template itself cannot be reapplied to a
running stack (routes, tables, environment variables): a change to it asks for a restart, which
keeps the data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

# Folder modifications are left out: Python creating __pycache__ modifies the folder, and every
# change that matters to a file is reported for the file itself.
_EVENTS = (
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
)
_EVENT_TYPES = {"created", "modified", "deleted", "moved"}


class CodeWatch(FileSystemEventHandler):
    """Calls `code_changed(function names)` when functions' code changes; says once that the template changed."""

    def __init__(
        self, folders: Mapping[str, tuple[Path, ...]], template: Path, code_changed: Callable[[list[str]], None]
    ) -> None:
        """`folders`: function name -> its code folder and its layers' (a LocalFunction's code_dir and layer_dirs)."""
        super().__init__()
        self._folders = dict(folders)
        self._template = template
        self._code_changed = code_changed
        self._template_said = False
        self._observer = Observer()
        code = {folder for folders in self._folders.values() for folder in folders}
        for folder, recursive in _watches(code, template.parent):
            self._observer.schedule(self, str(folder), recursive=recursive, event_filter=_EVENTS)  # type: ignore[no-untyped-call]

    def start(self) -> None:
        self._observer.start()  # type: ignore[no-untyped-call]

    def stop(self) -> None:
        self._observer.stop()  # type: ignore[no-untyped-call]
        self._observer.join()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _EVENT_TYPES or (event.is_directory and event.event_type == "modified"):
            return  # the observer filters these already; kept here so what counts is stated in one place
        paths = [Path(str(event.src_path)), *([Path(str(event.dest_path))] if event.dest_path else [])]
        if self._template in paths and not self._template_said:  # once: an editor's save is several events
            self._template_said = True
            print(
                f"{self._template.name} changed: routes, functions and resources are read at start-up. "
                "Restart to load it (Ctrl-C, then make run); the data is kept.",
                flush=True,
            )
        paths = [path for path in paths if not _ignored(path)]
        changed = [
            name
            for name, folders in self._folders.items()
            if any(path.is_relative_to(folder) for path in paths for folder in folders)
        ]
        if changed:
            self._code_changed(changed)


def _ignored(path: Path) -> bool:
    return path.suffix == ".pyc" or any(part == "__pycache__" or part.startswith(".") for part in path.parts)


def _watches(code: set[Path], project: Path) -> list[tuple[Path, bool]]:
    """(folder, recursive) pairs to watch. Watchdog runs two threads per watch, and the kernel
    watches every folder under a recursive one: one watch on the folder all the code is in (src/)
    when that is inside the project, else one on each outermost code folder. A folder that holds
    tooling (.venv/, .git/, node_modules/: the project's own, with CodeUri: ./) is watched without
    those. The template's folder is watched for the template."""
    common = Path(os.path.commonpath(code)) if code else project
    if common.is_relative_to(project) and common != project:
        roots = [common]
    else:
        roots = sorted(folder for folder in code if not any(f != folder and folder.is_relative_to(f) for f in code))
    watches: list[tuple[Path, bool]] = []
    for root in filter(Path.is_dir, roots):
        subfolders = [child for child in root.iterdir() if child.is_dir()]
        if any(_tooling(child) for child in subfolders):
            watches += [(root, False), *((child, True) for child in subfolders if not _tooling(child))]
        else:
            watches.append((root, True))
    if not any(folder == project or (recursive and project.is_relative_to(folder)) for folder, recursive in watches):
        watches.append((project, False))
    return watches


def _tooling(folder: Path) -> bool:
    return folder.name.startswith(".") or folder.name in ("node_modules", "__pycache__")
