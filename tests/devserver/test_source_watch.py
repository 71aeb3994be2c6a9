"""The per-request change check: edits, new and removed files count; Python's own bytecode cache does not."""

from __future__ import annotations

import os
from pathlib import Path

from devserver.source_watch import SourceWatch, fingerprint


def test_edits_and_added_or_removed_files_change_the_fingerprint(tmp_path: Path) -> None:
    handler = tmp_path / "app.py"
    handler.write_text("x = 1\n")
    before = fingerprint([tmp_path])

    os.utime(handler, ns=(before[0] + 1_000_000, before[0] + 1_000_000))
    edited = fingerprint([tmp_path])
    (tmp_path / "extra.py").write_text("")
    added = fingerprint([tmp_path])
    (tmp_path / "extra.py").unlink()

    assert len({before, edited, added}) == 3
    assert fingerprint([tmp_path]) == edited


def test_bytecode_caches_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    before = fingerprint([tmp_path])

    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"")

    assert fingerprint([tmp_path]) == before


def test_a_watch_sees_each_change_on_the_next_look_and_ignores_bytecode(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    module = package / "mod.py"
    module.write_text("x = 1\n")
    watch = SourceWatch()
    try:
        first = watch.fingerprint([tmp_path])
        assert watch.fingerprint([tmp_path]) == first  # nothing changed: the same answer

        module.write_text("x = 22\n")
        edited = watch.fingerprint([tmp_path])
        (package / "__pycache__").mkdir()
        (package / "__pycache__" / "mod.cpython-313.pyc").write_bytes(b"")
        after_bytecode = watch.fingerprint([tmp_path])
        (package / "sub").mkdir()
        (package / "sub" / "new.py").write_text("")
        added_deeper = watch.fingerprint([tmp_path])
        (package / "sub" / "new.py").rename(package / "sub" / "renamed.py")
        renamed = watch.fingerprint([tmp_path])
    finally:
        watch.close()

    assert edited != first
    assert after_bytecode == edited
    assert len({edited, added_deeper, renamed}) == 3
    assert renamed == fingerprint([tmp_path])  # the same as from scratch
