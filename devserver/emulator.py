"""The local stack's emulator: the dev kit's, plus the count of its writes, the schedules' control
routes, and a console line for each mail sent.

`Writes` (devserver/writes.py) counts each table's writes and the bucket writes as they pass: a
stream poller reads its stream only after a write to its own table, and the saved data is saved
again only after a change. `ScheduleControl` (devserver/schedules.py) fires a schedule on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit.emulator import Emulator
from devkit.sent_mail import Mail
from devkit.wsgi_body import WsgiApp
from devserver.schedules import ScheduleControl
from devserver.writes import Writes


@dataclass(frozen=True)
class LocalEmulator:
    emulator: Emulator
    writes: Writes
    schedule_control: ScheduleControl


def start_emulator(host: str, port: int) -> LocalEmulator:
    """Start the emulator on `host:port` (0: a free port) with the write count and the schedules'
    control routes in front of moto, and the mail it sends printed."""
    writes: list[Writes] = []
    controls: list[ScheduleControl] = []

    def wrap(app: WsgiApp) -> WsgiApp:
        writes.append(Writes(app))
        controls.append(ScheduleControl(writes[0]))
        return controls[0]

    emulator = Emulator(host=host, port=port, wrap=wrap, on_mail=print_mail).start()
    return LocalEmulator(emulator, writes[0], controls[0])


def print_mail(mail: Mail) -> None:
    """The console's line for a mail SES accepted (the whole message: GET /devserver-api/mail)."""
    print(f"Mail to {', '.join(mail.to)}: {mail.subject!r} (from {mail.sender})", flush=True)
