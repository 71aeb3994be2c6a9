"""Has a function's code changed? A cheap fingerprint of its folder and its layers, taken per request.

The fingerprint is the newest file modification time plus the set of file paths and sizes (so an
added, removed or renamed file counts, an atomically replaced one has a new mtime, and a second
edit within one tick of the file system's clock usually changes the size). Folder mtimes are left
out on purpose: Python creating `__pycache__/` is not a change.

Checked on every request, so that an edit takes effect on the very next one. On Linux,
`SourceWatch` asks the kernel (inotify) to note any change in the watched folders, and a request
costs one non-blocking read of that note: the kernel queues it before the editor's write returns,
so the next request sees it. Only then, or where inotify is missing (macOS, a watch limit reached),
is the fingerprint taken again: one `stat` per folder and per file (about 20 for a function and its
layer; a syscall costs 5-10 us on a small VM), a folder's listing read again only when the folder's
own mtime moved (a file added, removed or renamed in it) or is too recent to trust (a change within
the same clock tick would not move it).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

# Never part of a function's source, and some are huge.
_SKIPPED = frozenset({"__pycache__", "node_modules", ".venv", ".git", ".aws-sam", ".mypy_cache", ".pytest_cache"})
# A folder modified less than this long ago may change again without its mtime moving (the clock
# the kernel stamps files with advances in ticks): its listing is read afresh until it is older.
_RACY_NS = 2_000_000_000

type Fingerprint = tuple[int, int]
type _Listing = tuple[int, tuple[str, ...], tuple[str, ...]]  # folder mtime, files, subfolders


class SourceWatch:
    """Fingerprints folders, taken again only when the kernel reports a change (or, without inotify, each time)."""

    def __init__(self) -> None:
        self._listings: dict[str, _Listing] = {}
        self._fingerprints: dict[tuple[str, ...], Fingerprint] = {}
        self._lock = threading.Lock()
        self._inotify = _Inotify.open()

    def fingerprint(self, folders: Iterable[Path]) -> Fingerprint:
        key = tuple(str(folder) for folder in folders)
        with self._lock:
            if self._inotify is None:
                return self._scan(key)
            if self._inotify.changed():  # anywhere: every folder is listed (and watched) afresh
                self._fingerprints.clear()
                self._listings.clear()
            current = self._fingerprints.get(key)
            if current is None:
                current = self._scan(key)
                if self._inotify.watching(self._folders(key)):
                    self._fingerprints[key] = current
            return current

    def close(self) -> None:
        with self._lock:
            if self._inotify is not None:
                self._inotify.close()
                self._inotify = None

    def _folders(self, roots: tuple[str, ...]) -> list[str]:
        """The roots (a missing one included: nothing would report its creation) and their listed subfolders."""
        found, pending = [], list(roots)
        while pending:
            folder = pending.pop()
            found.append(folder)
            listing = self._listings.get(folder)
            if listing is not None:
                pending.extend(listing[2])
        return found

    def _scan(self, folders: Iterable[str]) -> Fingerprint:
        newest = 0
        files: list[tuple[str, int]] = []
        pending = [str(folder) for folder in folders]
        now = time.time_ns()
        while pending:
            folder = pending.pop()
            try:
                mtime = os.stat(folder).st_mtime_ns
            except (FileNotFoundError, NotADirectoryError):
                self._listings.pop(folder, None)
                continue
            listing = self._listings.get(folder)
            if listing is None or listing[0] != mtime or now - mtime < _RACY_NS:
                if self._inotify is not None:
                    self._inotify.watch(folder)  # before listing it: nothing slips between the two
                listing = self._listings[folder] = _list(folder, mtime)
            pending.extend(listing[2])
            for path in listing[1]:
                try:
                    stat = os.stat(path)
                except FileNotFoundError:  # deleted since the listing: left out, which changes the fingerprint
                    continue
                newest = max(newest, stat.st_mtime_ns)
                files.append((path, stat.st_size))
        return newest, hash(tuple(sorted(files)))


def fingerprint(folders: Iterable[Path]) -> Fingerprint:
    """The fingerprint of `folders`, from scratch."""
    watch = SourceWatch()
    try:
        return watch.fingerprint(folders)
    finally:
        watch.close()


def _list(folder: str, mtime: int) -> _Listing:
    files: list[str] = []
    subfolders: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    for entry in entries:
        if entry.name in _SKIPPED or entry.name.startswith("."):
            continue
        (subfolders if entry.is_dir(follow_symlinks=False) else files).append(entry.path)
    return mtime, tuple(files), tuple(subfolders)


class _Inotify:
    """Linux's inotify through libc: which folders are watched, and has anything changed in them since the last look."""

    # IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    # | IN_DELETE_SELF | IN_MOVE_SELF, on folders only (IN_ONLYDIR).
    _MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x01000000
    _NONBLOCK_CLOEXEC = os.O_NONBLOCK | os.O_CLOEXEC if sys.platform == "linux" else 0

    def __init__(self, libc: ctypes.CDLL, fd: int) -> None:
        self._libc = libc
        self._fd = fd
        self._watched: set[str] = set()
        self._failed: set[str] = set()  # past the user's watch limit: these folders are scanned per request

    @classmethod
    def open(cls) -> _Inotify | None:
        if sys.platform != "linux":
            return None
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            fd = libc.inotify_init1(cls._NONBLOCK_CLOEXEC)
        except (OSError, AttributeError):
            return None
        return cls(libc, fd) if fd >= 0 else None

    def watch(self, folder: str) -> None:
        if self._libc.inotify_add_watch(self._fd, os.fsencode(folder), self._MASK) < 0:
            self._failed.add(folder)
        else:
            self._watched.add(folder)
            self._failed.discard(folder)

    def watching(self, folders: Iterable[str]) -> bool:
        """True if a change in any of `folders` would be reported."""
        return all(folder in self._watched and folder not in self._failed for folder in folders)

    def changed(self) -> bool:
        """Has anything happened in a watched folder since the last call? (One non-blocking read when not.)"""
        changed = False
        while True:
            try:
                if not os.read(self._fd, 65536):
                    return changed
            except BlockingIOError:
                return changed
            changed = True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
