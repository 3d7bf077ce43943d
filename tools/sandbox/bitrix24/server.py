"""HTTP for the sandbox: ``/rest/{user}/{code}/{method}[.json]`` and the ``/_sandbox/`` control API.

Bodies may be JSON or form-urlencoded (PHP brackets); GET query strings work too. One log
line per request names the method and the status, never the path (it holds the code).
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from tools.sandbox.bitrix24 import control
from tools.sandbox.bitrix24.app import Bitrix24Sandbox
from tools.sandbox.bitrix24.phpquery import parse_php_query
from tools.sandbox.bitrix24.protocol import to_int

REST_PATH = re.compile(r"^/rest/(?P<user>[^/]+)/(?P<code>[^/]+)/(?P<method>[^/]+?)(?:\.json)?/?$")
MAX_BODY = 10 * 1024 * 1024


class BadRequest(Exception):
    """The request body cannot be read."""


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP server that carries its :class:`Bitrix24Sandbox`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Bitrix24Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is one quiet line, not a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("bitrix24 sandbox: the client closed the connection before the answer")
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's pooled session expects

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle plus delayed ACK adds ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log: it prints the path, and the path holds the code."""

    def _serve(self, verb: str) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        sandbox = self.server.sandbox
        label = f"{verb} {url.path}" if url.path.startswith("/_sandbox/") else "?"
        try:
            params = self._params(url.query)
            if url.path.startswith("/_sandbox/"):
                status, body = control.handle(sandbox, verb, url.path, params)
            elif match := REST_PATH.match(url.path):
                label = match["method"].lower()
                status, body = sandbox.rest(match["user"], match["code"], label, params)
            else:
                status, body = (
                    404,
                    {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"},
                )
        except BadRequest as exc:
            status, body = 400, {"error": "INVALID_REQUEST", "error_description": str(exc)}
        self._write(status, body)
        logger.info("bitrix24 sandbox {} {} {:.0f} ms", label, status, (time.monotonic() - started) * 1000)

    def _params(self, query: str) -> dict[str, Any]:
        params: dict[str, Any] = parse_php_query(query) if query else {}
        length = to_int(self.headers.get("Content-Length") or 0)
        if length is None or not 0 <= length <= MAX_BODY:
            raise BadRequest("missing, bad or too large Content-Length")
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return params
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            params.update(parse_php_query(raw.decode("utf-8", "replace")))
            return params
        try:
            decoded = json.loads(raw)
        except ValueError as exc:
            raise BadRequest("the body is neither JSON nor a form") from exc
        if not isinstance(decoded, dict):
            raise BadRequest("the JSON body must be an object")
        params.update(decoded)
        return params

    def _write(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    webhook_user: str = "1",
    webhook_code: str = "sandboxsecret",
    rate: float = 2.0,
    burst: int = 50,
    auto_close_after_s: float | None = None,
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one (see ``server_address``).

    Serve with ``serve_forever()`` in a thread; the sandbox is ``server.sandbox``.
    """
    sandbox = Bitrix24Sandbox(webhook_user, webhook_code, rate, burst, auto_close_after_s)
    return SandboxServer((host, port), sandbox)
