"""A local stand-in for the engine's REST API: records each request, answers from a queue.

Real HTTP on 127.0.0.1 (keep-alive, optional TLS), so the client's whole stack is exercised;
``answer`` queues a canned response for one method and path, ``requests`` holds what came.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = "/engine-rest"


@dataclass(frozen=True)
class Recorded:
    """One request as the engine saw it; ``path`` is below ``/engine-rest``, without the query;
    ``target`` is the request line's target as sent (an absolute URL when it came via a proxy)."""

    method: str
    path: str
    target: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client_port: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Canned:
    """A queued answer; ``delay_s`` holds it back, ``drop`` closes the connection instead."""

    method: str
    path: str
    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False
    used: bool = field(default=False, init=False)


class FakeEngine:
    def __init__(self, server: ThreadingHTTPServer, scheme: str) -> None:
        self._server = server
        self._lock = threading.Lock()
        self._queue: list[Canned] = []
        self.requests: list[Recorded] = []
        self.unexpected: list[str] = []
        host, port = server.server_address[:2]
        self.url = f"{scheme}://{host!s}:{port}{ROOT}"

    def answer(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        body: bytes | str = b"",
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay_s: float = 0.0,
        drop: bool = False,
    ) -> None:
        """Queue the answer to the next ``method path`` (below /engine-rest) not yet answered."""
        if json_body is not None:
            body, content_type = json.dumps(json_body), "application/json"
        raw = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._queue.append(
                Canned(method, path, status, raw, content_type, dict(headers or {}), delay_s, drop)
            )

    def take(self, request: Recorded) -> Canned | None:
        with self._lock:
            self.requests.append(request)
            for canned in self._queue:
                if not canned.used and (canned.method, canned.path) == (request.method, request.path):
                    canned.used = True
                    return canned
            self.unexpected.append(f"{request.method} {request.path}")
            return None

    def assert_all_used(self) -> None:
        with self._lock:
            unused = [f"{c.method} {c.path}" for c in self._queue if not c.used]
        assert not self.unexpected, f"requests nothing was queued for: {self.unexpected}"
        assert not unused, f"queued answers never asked for: {unused}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the engine serves
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``requests`` instead."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        path = parts.path.removeprefix(ROOT)
        request = Recorded(
            self.command,
            path,
            self.path,
            parse_qs(parts.query),
            self.headers,
            self.rfile.read(length),
            self.client_address[1],
        )
        canned = self.server.engine.take(request)
        if canned is None:
            self._send(501, b"nothing queued", "text/plain")
            return
        time.sleep(canned.delay_s)  # the engine holding the request (a long poll, a slow answer)
        if canned.drop:
            self.close_connection = True
            return
        self._send(canned.status, canned.body, canned.content_type, canned.headers)

    def _send(
        self, status: int, body: bytes, content_type: str | None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    engine: FakeEngine

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (its read timeout) leaves a broken pipe here: expected, quiet."""


@contextmanager
def fake_engine(tls: tuple[Path, Path] | None = None) -> Iterator[FakeEngine]:
    """A running fake engine; ``tls`` (certificate, key) serves HTTPS. Stopped on exit."""
    server = _Server(("127.0.0.1", 0), _Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.engine = FakeEngine(server, "https" if tls else "http")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="fake-engine", daemon=True)
    thread.start()
    try:
        yield server.engine
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
