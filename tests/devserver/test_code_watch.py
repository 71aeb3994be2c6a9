"""What counts as a code change: files in a function's folder or its layers, not Python's bytecode
caches, hidden files or folder timestamps; the template asks for a restart. Events as watchdog delivers them."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchdog.events import (
    DirModifiedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from devserver.code_watch import CodeWatch, _watches

ROOT = Path("/app")
FOLDERS = {
    "LinksFunction": (ROOT / "src/functions/links", ROOT / "src/layers/common"),
    "TasksFunction": (ROOT / "src/functions/tasks", ROOT / "src/layers/common"),
}


def deliver(event: FileSystemEvent) -> list[list[str]]:
    """The function names each `code_changed` call got."""
    calls: list[list[str]] = []
    CodeWatch(FOLDERS, ROOT / "template.yaml", lambda names: calls.append(sorted(names))).on_any_event(event)
    return calls


@pytest.mark.parametrize(
    ("event", "changed"),
    [
        (FileModifiedEvent("/app/src/functions/links/app.py"), ["LinksFunction"]),
        (FileCreatedEvent("/app/src/functions/tasks/new.py"), ["TasksFunction"]),
        (FileDeletedEvent("/app/src/functions/tasks/old.py"), ["TasksFunction"]),
        (FileMovedEvent("/app/src/functions/links/.app.py.tmp", "/app/src/functions/links/app.py"), ["LinksFunction"]),
        (FileModifiedEvent("/app/src/layers/common/common/http.py"), ["LinksFunction", "TasksFunction"]),
    ],
)
def test_a_change_in_a_functions_folder_or_layer_restarts_that_function(
    event: FileSystemEvent, changed: list[str]
) -> None:
    assert deliver(event) == [changed]


@pytest.mark.parametrize(
    "event",
    [
        FileCreatedEvent("/app/src/functions/links/__pycache__/app.cpython-313.pyc"),
        FileModifiedEvent("/app/src/layers/common/common/http.pyc"),
        FileCreatedEvent("/app/src/functions/links/.app.py.swp"),
        DirModifiedEvent("/app/src/functions/links"),  # a __pycache__ folder was created in it
        FileOpenedEvent("/app/src/functions/links/app.py"),  # a worker importing the handler
        FileClosedEvent("/app/src/functions/links/app.py"),
        FileModifiedEvent("/app/README.md"),
    ],
)
def test_bytecode_hidden_files_folder_times_and_reads_are_not_code_changes(
    event: FileSystemEvent, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deliver(event) == []
    assert capsys.readouterr().out == ""


def test_a_template_change_asks_for_a_restart_once(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[list[str]] = []
    watch = CodeWatch(FOLDERS, ROOT / "template.yaml", calls.append)

    for _ in range(3):  # an editor's save
        watch.on_any_event(FileModifiedEvent("/app/template.yaml"))

    assert calls == []
    assert capsys.readouterr().out.count("template.yaml changed:") == 1


def test_one_watch_covers_the_code_and_one_the_template(tmp_path: Path) -> None:
    for folder in ("src/functions/links", "src/functions/tasks", "src/layers/common", ".venv/lib"):
        (tmp_path / folder).mkdir(parents=True)

    watches = _watches({tmp_path / "src/functions/links", tmp_path / "src/layers/common"}, tmp_path)

    assert watches == [(tmp_path / "src", True), (tmp_path, False)]


def test_code_at_the_projects_top_is_watched_without_its_tooling(tmp_path: Path) -> None:
    for folder in ("lib", ".venv/lib", ".git", "node_modules/x"):
        (tmp_path / folder).mkdir(parents=True)

    watches = _watches({tmp_path}, tmp_path)  # CodeUri: ./

    assert watches == [(tmp_path, False), (tmp_path / "lib", True)]
