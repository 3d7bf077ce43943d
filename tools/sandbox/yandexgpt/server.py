"""HTTP for the YandexGPT sandbox: the API paths and the ``/_sandbox/`` control API on one port.

One log line per request names the endpoint and the status, never a header (they hold the key).
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

from tools.sandbox.yandexgpt import control
from tools.sandbox.yandexgpt.app import YandexGptSandbox
from tools.sandbox.yandexgpt.faults import error_body

MAX_BODY = 10 * 1024 * 1024


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: YandexGptSandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("yandexgpt sandbox: the client closed the connection before the answer")
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

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
        sandbox = self.server.sandbox
        try:
            body = self._body()
        except ValueError as exc:
            self._write(400, error_body(400, 3, str(exc)))
            return
        if path.startswith("/_sandbox/"):
            status, answer = control.handle(sandbox, verb, path, body if isinstance(body, dict) else {})
        else:
            status, answer = sandbox.api(verb, path, {k.lower(): v for k, v in self.headers.items()}, body)
        self._write(status, answer)
        logger.info(
            "yandexgpt sandbox {} {} {} {:.0f} ms", verb, path, status, (time.monotonic() - started) * 1000
        )

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_BODY:
            raise ValueError("bad or too large Content-Length")
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ValueError("the body is not JSON") from None

    def _write(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"sandbox-{time.monotonic_ns()}")
        self.end_headers()
        self.wfile.write(data)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    folder_id: str = "b1gsandboxfolder",
    api_key: str = "sandbox-api-key",
    iam: str = "sandbox-iam-token",
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one. Serve with ``serve_forever()``."""
    return SandboxServer((host, port), YandexGptSandbox(folder_id, api_key, iam))
