"""HTTP for the DaData sandbox: the two API paths and the ``/_sandbox/`` control API.

HTTP/1.1 keep-alive, like DaData: every new TCP connection counts against the per-minute
limit (60), so a client that opens a connection per call meets 429. One log line per
request names the endpoint and the status, never a header (keys) or a body (personal data).
"""

from __future__ import annotations

import json
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from tools.sandbox.dadata import control
from tools.sandbox.dadata.app import DEFAULT_KEYS, DaDataSandbox

MAX_BODY = 1024 * 1024


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP server that carries its :class:`DaDataSandbox`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: DaDataSandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("dadata sandbox: the client closed the connection before the answer")
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.refused = not self.server.sandbox.connection_opened()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log."""

    def _serve(self, verb: str) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if 0 < length <= MAX_BODY else b""
        if length > MAX_BODY:
            status, body, headers = 413, {"message": "Request too long"}, dict[str, str]()
            self.close_connection = True
        elif path.startswith("/_sandbox/"):
            status, body = control.handle(self.server.sandbox, verb, path, _json_object(raw))
            headers = {}
        else:
            status, body, headers = self.server.sandbox.api(
                verb, path, _lowered(self.headers.items()), raw, refused=self.refused
            )
        self._write(status, body, headers)
        label = path if path.startswith("/_sandbox/") else path.rsplit("/", 1)[-1]
        logger.info(
            "dadata sandbox {} {} {} {:.0f} ms", verb, label, status, (time.monotonic() - started) * 1000
        )

    def _write(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _lowered(items: Any) -> dict[str, str]:
    """Header names are case-insensitive: the sandbox looks them up in lower case."""
    return {str(name).lower(): str(value) for name, value in items}


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    token: str = DEFAULT_KEYS[0],
    secret: str = DEFAULT_KEYS[1],
    **limits: int,
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one. ``limits``: cleaner_rps,
    suggestions_rps, connections_per_minute. The sandbox is ``server.sandbox``."""
    return SandboxServer((host, port), DaDataSandbox(token, secret, **limits))
