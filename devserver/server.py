"""The HTTP server `make run` serves the gateway with: Werkzeug's threaded WSGI server.

Werkzeug serves each connection in a thread of its own and answers one request per connection
(`Connection: close`, and it closes), decodes chunked request bodies, answers `Expect:
100-continue`, and reads what is left of a body the app did not read before closing, so the client
sees the response rather than a reset. On top of that, this module adds an idle timeout (a client
that connects and sends nothing would otherwise hold its thread for good), reads raw non-ASCII
bytes in the request line as a browser would have sent them, and writes one plain access line per
request.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devkit.wsgi_body import WsgiApp

LOG = logging.getLogger("devserver.access")
IDLE_TIMEOUT_SECONDS = 10.0
_VISIBLE_ASCII = "".join(map(chr, range(0x21, 0x7F)))


class _RequestHandler(WSGIRequestHandler):
    timeout = IDLE_TIMEOUT_SECONDS  # socketserver sets it on the connection: every read waits this long at most

    def make_environ(self) -> dict[str, Any]:
        # HTTP allows only ASCII in a request line; browsers percent-encode the rest, curl sends it raw.
        # http.server reads the line as Latin-1 and Werkzeug then takes the path as text, so raw UTF-8
        # ("/café") would arrive double-encoded. A raw byte is read as its percent-encoded form instead:
        # "/café" as "/caf%C3%A9" (decoded: "/café"); a byte that is not UTF-8 stays percent-encoded.
        self.path = quote(self.path.encode("latin-1"), safe=_VISIBLE_ASCII)
        environ: dict[str, Any] = super().make_environ()
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        line = self.requestline.translate(self._control_char_table)  # a hostile request line stays one line
        LOG.info('%s "%s" %s', self.address_string(), line, getattr(code, "value", code))

    def log_error(self, format: str, *args: Any) -> None:
        # A malformed request or a timed-out connection: the access line already shows the status.
        LOG.debug(format, *args)


def make_http_server(host: str, port: int, app: WsgiApp, idle_timeout: float = IDLE_TIMEOUT_SECONDS) -> BaseWSGIServer:
    """Listening on (host, port) when this returns; port 0 picks a free one (see `server_port`)."""
    handler = type("RequestHandler", (_RequestHandler,), {"timeout": idle_timeout})
    return make_server(host, port, app, threaded=True, request_handler=handler)
