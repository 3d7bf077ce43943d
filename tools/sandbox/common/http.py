"""The HTTP plumbing of a sandbox: a threading server that carries its sandbox, a JSON handler.

HTTP/1.1 keep-alive (the clients pool connections), TCP_NODELAY (headers and body go out in
two writes; without it Nagle plus delayed ACK adds ~40 ms), no default access log (it would
print paths and headers that hold keys): each sandbox writes its own line per request.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from loguru import logger

S = TypeVar("S")
FORM = "application/x-www-form-urlencoded"


class SandboxHTTPServer(ThreadingHTTPServer, Generic[S]):
    """A threading HTTP server that carries its sandbox (``server.sandbox``)."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], sandbox: S, handler: type[BaseHTTPRequestHandler], name: str
    ) -> None:
        self.sandbox = sandbox
        self.name = name
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is one quiet line, not a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("{} sandbox: the client closed the connection before the answer", self.name)
            return
        super().handle_error(request, client_address)


class JsonHandler(BaseHTTPRequestHandler):
    """GET, POST and DELETE go to :meth:`serve`; answers are JSON (or a sandbox's own bytes)."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self.serve("GET")

    def do_POST(self) -> None:
        self.serve("POST")

    def do_DELETE(self) -> None:
        self.serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log."""

    def serve(self, verb: str) -> None:
        """Answer one request."""
        raise NotImplementedError

    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def read_body(self, limit: int) -> bytes:
        """The raw body; ValueError for a bad Content-Length or one over ``limit``."""
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= limit:
            raise ValueError("bad or too large Content-Length")
        return self.rfile.read(length) if length else b""

    def write_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.write(status, data, "application/json; charset=utf-8", headers)

    def write(
        self, status: int, data: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def json_object(raw: bytes) -> dict[str, Any]:
    """A JSON body that must be an object; ValueError otherwise (json's own for bad JSON)."""
    decoded = json.loads(raw)
    if not isinstance(decoded, dict):
        raise ValueError("the JSON body must be an object")
    return decoded


def lowered(items: Any) -> dict[str, str]:
    """Header names are case-insensitive: the sandboxes look them up in lower case."""
    return {str(name).lower(): str(value) for name, value in items}
