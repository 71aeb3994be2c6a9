"""The mail the emulator's SES accepted: listed over HTTP, and announced as it is sent.

moto keeps every message SES accepted in its SES backend (its documented way of checking what was
sent; SES API v2 sends land there too) and delivers none. This WSGI middleware in front of moto
answers `GET /devserver-api/mail` with them, oldest first, as JSON
(`[{"message_id", "from", "to", "subject", "body"}]`), and after each SES request it served calls
`on_sent` with each message that request added (the local stack prints a line per mail).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from moto.ses.models import ses_backends

from devkit.local_aws import REGION
from devkit.local_names import ACCOUNT_ID
from devkit.wsgi_body import StartResponse, WsgiApp, json_response

CONTROL_PATH = "/devserver-api/mail"


class Mail(NamedTuple):
    message_id: str
    sender: str
    to: tuple[str, ...]
    subject: str
    body: str

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "from": self.sender,
            "to": list(self.to),
            "subject": self.subject,
            "body": self.body,
        }


def sent_mail() -> list[Mail]:
    """Every message the emulator's SES accepted since it started (or was reset), oldest first."""
    return [
        Mail(
            message.id,
            message.source,
            tuple(address for addresses in message.destinations.values() for address in addresses),
            message.subject,
            message.body,
        )
        for message in list(ses_backends[ACCOUNT_ID][REGION].sent_messages)
        if hasattr(message, "subject")  # raw messages (SendRawEmail) have no parsed parts: the app sends none
    ]


class SentMail:
    """WSGI middleware: `GET /devserver-api/mail`, and `on_sent(mail)` for each message sent."""

    def __init__(self, app: WsgiApp, on_sent: Callable[[Mail], None] | None = None) -> None:
        self.app = app
        self._on_sent = on_sent
        self._announced = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return self._list(environ, start_response)
        response = self.app(environ, start_response)
        if self._on_sent is not None and "/ses/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            self._announce()
        return response

    def _announce(self) -> None:
        with self._lock:
            mails = sent_mail()
            if len(mails) < self._announced:  # the emulator was reset
                self._announced = 0
            new, self._announced = mails[self._announced :], len(mails)
        for mail in new:
            self._on_sent(mail)  # type: ignore[misc]  # checked by the caller

    @staticmethod
    def _list(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            return json_response(start_response, "405 Method Not Allowed", {"error": "GET only"}, [("Allow", "GET")])
        return json_response(start_response, "200 OK", [mail.as_json() for mail in sent_mail()])
