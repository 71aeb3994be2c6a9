"""The HTTP server `make run` serves the gateway's WSGI app with: the stdlib's `http.server`, lean.

Werkzeug's development server does more per request than a local API needs (a response written
in several socket writes, a selector built per request to drain the socket, colour-coded access
lines); this one parses requests with `http.server` exactly as a plain `ThreadingHTTPServer`
does, hands the WSGI app a minimal environ, and answers in one socket write. Like Werkzeug's,
it closes every connection after its response (`Connection: close`), decodes chunked request
bodies, answers `Expect: 100-continue`, and drains an unread request body before closing (so the
client sees the response, not a reset). One plain access line per request, after the response.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import unquote_to_bytes

from werkzeug.serving import DechunkedInput

LOG = logging.getLogger("devserver.access")
type WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_DROPPED = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
_NO_BODY_STATUSES = frozenset({204, 304})
_IDLE_THREADS = 4


class LocalHTTPServer(HTTPServer):
    """Each request in a thread of its own, as in `ThreadingHTTPServer` (and Werkzeug's threaded server),
    but threads are kept rather than started per request, and each accepts its own connection: a
    thread blocks in `accept()` (the kernel wakes one per connection), and the one that gets a
    connection first makes sure another is waiting, so concurrent requests still get a thread each.
    Starting a thread, or handing a connection from an accepting thread to a serving one, costs more
    than the rest of a small request's handling here. A few idle threads are kept; the rest end."""

    request_queue_size = 128  # Werkzeug's backlog: 50 concurrent clients must not overflow it

    def __init__(self, address: tuple[str, int], app: WsgiApp) -> None:
        self.app = app
        self._accepting = 0  # threads blocked in accept()
        self._thread_count = 0
        self._stopping = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        super().__init__(address, _WsgiRequestHandler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until `shutdown()`."""
        self._stopped.clear()
        self._start_thread()
        self._stopped.wait()

    def shutdown(self) -> None:
        """Stop accepting; requests being served finish in their (daemon) threads."""
        with self._lock:
            self._stopping = True
        while True:
            with self._lock:
                if not self._accepting:
                    break
            # Wake one thread blocked in accept(): a connection it closes at once.
            address = (self.server_name, self.server_port)
            with contextlib.suppress(OSError), socket.create_connection(address, timeout=1):
                pass
            time.sleep(0.001)
        self._stopped.set()

    def _start_thread(self) -> None:
        with self._lock:
            self._thread_count += 1
        threading.Thread(target=self._accept_and_serve, name="http", daemon=True).start()

    def _accept_and_serve(self) -> None:
        while True:
            with self._lock:
                if self._stopping or self._accepting >= _IDLE_THREADS:  # enough are waiting already
                    self._thread_count -= 1
                    return
                self._accepting += 1
            try:
                request, client_address = self.socket.accept()
            except OSError:  # the socket was closed
                with self._lock:
                    self._accepting -= 1
                    self._thread_count -= 1
                return
            with self._lock:
                self._accepting -= 1
                stopping = self._stopping
                another = not stopping and not self._accepting
            if stopping:
                request.close()
                continue
            if another:  # nobody is waiting for the next connection: one more thread
                self._start_thread()
            try:
                self.finish_request(request, client_address)
            except Exception:  # as ThreadingMixIn: report it, and the thread carries on
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also resolves the host's FQDN, a DNS lookup that start-up can do without.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _WsgiRequestHandler(BaseHTTPRequestHandler):
    server: LocalHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "devserver"

    def handle_one_request(self) -> None:
        self.close_connection = True  # one request per connection, as Werkzeug's server does
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline, self.request_version, self.command = "", "", ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline or not self.parse_request():
                return
            self._run_wsgi()
        except _DROPPED:
            return

    def _environ(self) -> dict[str, Any]:
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute form: keep the path and query only
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        path, _, query = target.partition("?")
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": self.rfile,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            # WSGI strings are bytes as latin-1; the request line already is (http.server decodes it so).
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": self.path,
            "RAW_URI": self.path,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": self.client_address[1],
            "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
        }
        for name, raw_value in self.headers.items():
            if "_" in name:  # as Werkzeug: X_Forwarded and X-Forwarded would otherwise be one variable
                continue
            key = name.upper().replace("-", "_")
            value = raw_value.replace("\r\n", "")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = f"HTTP_{key}"
                if key in environ:
                    value = f"{environ[key]},{value}"
            environ[key] = value
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input_terminated"] = True
            environ["wsgi.input"] = DechunkedInput(self.rfile)  # type: ignore[arg-type]  # a buffered reader
        return environ

    def _run_wsgi(self) -> None:
        environ = self._environ()
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            if exc_info is None and started:
                raise AssertionError("Headers already set")
            started[:] = [status, headers]
            return _no_write

        try:
            result = self.server.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            status, headers = started
        except _DROPPED:
            raise
        except Exception:
            LOG.exception("Error on request %r", self.requestline)
            status, headers = "500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]
            body = b"Internal Server Error"
        code = int(status.split(None, 1)[0])
        lines = [f"{self.protocol_version} {status}", f"Server: {self.server_version}"]
        lines.append(f"Date: {_http_date(int(time.time()))}")
        has_length = False
        for name, value in headers:
            lines.append(f"{name}: {value}")
            has_length = has_length or name.lower() == "content-length"
        if not has_length and self.command != "HEAD" and code >= 200 and code not in _NO_BODY_STATUSES:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close\r\n\r\n")
        self.wfile.write("\r\n".join(lines).encode("latin-1") + body)  # one write: head and body
        self._drain(environ)
        LOG.info('%s "%s" %s', self.client_address[0], self.requestline, code)

    def _drain(self, environ: dict[str, Any]) -> None:
        """Read what is left of a request body the app did not read, so closing does not reset the connection."""
        if not environ.get("CONTENT_LENGTH", "0").strip("0") and "wsgi.input_terminated" not in environ:
            return
        for _ in range(1000):  # as Werkzeug: give up (and let the client see a reset) past that
            if not select.select([self.connection], [], [], 0.01)[0]:
                return
            if not self.rfile.read1(1 << 20):
                return

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _run_wsgi writes the access line; http.server's own errors are logged by log_error

    def log_message(self, format: str, *args: Any) -> None:
        LOG.info("%s %s", self.address_string(), format % args)


@functools.lru_cache(maxsize=1)
def _http_date(second: int) -> str:
    """The Date header's value, formatted once per second rather than per response."""
    return formatdate(second, usegmt=True)


def _no_write(data: bytes) -> None:
    raise NotImplementedError("write() from start_response is not supported: return the body instead")


def make_http_server(host: str, port: int, app: WsgiApp) -> LocalHTTPServer:
    """Listening on (host, port) when this returns; port 0 picks a free one (see `server_port`)."""
    return LocalHTTPServer((host, port), app)
