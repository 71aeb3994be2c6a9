"""The local stack's emulator: the dev kit's, plus the write signal `make run`'s stream pollers wait on.

`TableWrites` (devserver/table_writes.py) counts each table's writes as they pass, so a poller
reads its stream only after a write to its own table.
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit.emulator import Emulator, WsgiApp
from devserver.table_writes import TableWrites


@dataclass(frozen=True)
class LocalEmulator:
    emulator: Emulator
    table_writes: TableWrites


def start_emulator(host: str, port: int) -> LocalEmulator:
    """Start the emulator on `host:port` (0: a free port) with the write signal in front of moto."""
    made: list[TableWrites] = []

    def wrap(app: WsgiApp) -> WsgiApp:
        made.append(TableWrites(app))
        return made[0]

    emulator = Emulator(host=host, port=port, wrap=wrap).start()
    return LocalEmulator(emulator, made[0])
