"""The local stack's emulator: the dev kit's, plus the count of its writes.

`Writes` (devserver/writes.py) counts each table's writes and the bucket writes as they pass: a
stream poller reads its stream only after a write to its own table, and the saved data is saved
again only after a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit.emulator import Emulator, WsgiApp
from devserver.writes import Writes


@dataclass(frozen=True)
class LocalEmulator:
    emulator: Emulator
    writes: Writes


def start_emulator(host: str, port: int) -> LocalEmulator:
    """Start the emulator on `host:port` (0: a free port) with the write count in front of moto."""
    made: list[Writes] = []

    def wrap(app: WsgiApp) -> WsgiApp:
        made.append(Writes(app))
        return made[0]

    emulator = Emulator(host=host, port=port, wrap=wrap).start()
    return LocalEmulator(emulator, made[0])
