"""HTTP for the sandbox: ``POST /v2/<selector>[?page=N]`` on each gate, and ``/_sandbox/``.

:class:`Gates` runs one server per gate (``gate.smsaero.ru``, ``.org``, ``.net`` in order) over
one shared account; a gate switched down closes its listening socket, so connecting to its
port is refused as when a real gate is unreachable. Bodies may be JSON or a form (the Go SDK
posts forms). One log line per request: gate, selector, status — never the auth header.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from loguru import logger

from tools.sandbox.common.http import FORM, JsonHandler, SandboxHTTPServer, json_object
from tools.sandbox.smsaero import control
from tools.sandbox.smsaero.app import SmsAeroSandbox

MAX_BODY = 1024 * 1024
GATE_NAMES = ("gate.smsaero.ru", "gate.smsaero.org", "gate.smsaero.net")


class GateServer(SandboxHTTPServer["Gates"]):
    """One gate: the server carries the gates (``sandbox``) and its own name."""

    def __init__(self, address: tuple[str, int], gates: Gates, name: str) -> None:
        self.gate = name
        super().__init__(address, gates, _Handler, "smsaero")


class _Handler(JsonHandler):
    server: GateServer
    timeout = 5  # idle keep-alive connections close, so a gate switched down is left soon

    def serve(self, verb: str) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        gates = self.server.sandbox
        params = dict(parse_qsl(url.query))
        try:
            params.update(self._body())
        except ValueError as exc:
            self._write(400, {"success": False, "data": None, "message": str(exc)}, {})
            return
        headers: dict[str, str] = {}
        if url.path.startswith("/_sandbox/"):
            status, body = control.handle(gates.app, gates.switch, verb, url.path, params)
        elif url.path.startswith("/v2/"):
            selector = url.path[4:].strip("/").lower()
            status, body, headers = gates.app.api(
                self.server.gate, selector, self.headers["Authorization"], params
            )
        else:
            status, body = 404, {"success": False, "data": None, "message": "Not found."}
        self._write(status, body, headers)
        logger.info(
            "smsaero sandbox {} {} {} {:.0f} ms",
            self.server.gate,
            url.path,
            status,
            (time.monotonic() - started) * 1000,
        )

    def _body(self) -> dict[str, Any]:
        raw = self.read_body(MAX_BODY)
        if not raw.strip():
            return {}
        if self.content_type() == FORM:
            return dict(parse_qsl(raw.decode("utf-8", "replace")))
        return json_object(raw)

    def _write(self, status: int, body: Any, headers: dict[str, str]) -> None:
        """A proxy's HTML page when the body is text, JSON otherwise."""
        if isinstance(body, str):
            self.write(status, body.encode("utf-8"), "text/html", headers)
        else:
            self.write_json(status, body, headers)


class Gates:
    """The three gate servers over one sandbox; ``urls`` in the client's order."""

    def __init__(
        self, app: SmsAeroSandbox, host: str = "127.0.0.1", ports: tuple[int, ...] = (0, 0, 0)
    ) -> None:
        self.app = app
        self.host = host
        self._lock = threading.Lock()
        self._servers: list[GateServer | None] = []
        self._threads: list[threading.Thread | None] = []
        self.ports: list[int] = []
        for index, port in enumerate(ports):
            server = GateServer((host, port), self, GATE_NAMES[index % len(GATE_NAMES)])
            self._servers.append(server)
            self._threads.append(None)
            self.ports.append(int(server.server_address[1]))

    @property
    def urls(self) -> list[str]:
        return [f"http://{self.host}:{port}/v2/" for port in self.ports]

    @property
    def control_url(self) -> str:
        """The control API of the first gate that is up."""
        with self._lock:
            index = next(i for i, server in enumerate(self._servers) if server is not None)
        return f"http://{self.host}:{self.ports[index]}/_sandbox/"

    def start(self) -> None:
        for index in range(len(self._servers)):
            self._start(index)

    def _start(self, index: int) -> None:
        server = self._servers[index]
        if server is not None and self._threads[index] is None:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=server.gate, daemon=True
            )
            thread.start()
            self._threads[index] = thread

    def switch(self, number: int, up: bool) -> dict[str, Any]:
        """Gate ``number`` (1-based) up or down; 0 only reports. Returns which gates are down."""
        if number:
            index = number - 1
            if not 0 <= index < len(self._servers):
                raise ValueError(f"there are {len(self._servers)} gates")
            (self._up if up else self._down)(index)
        with self._lock:
            return {"down": [i + 1 for i, server in enumerate(self._servers) if server is None]}

    def _down(self, index: int) -> None:
        with self._lock:
            server, thread = self._servers[index], self._threads[index]
            self._servers[index], self._threads[index] = None, None
        if server is not None:
            # From a request thread of this very server: stop it from another thread.
            threading.Thread(target=_stop, args=(server, thread), daemon=True).start()
            if thread is not threading.current_thread():
                time.sleep(0.1)

    def _up(self, index: int) -> None:
        with self._lock:
            if self._servers[index] is not None:
                return
            self._servers[index] = GateServer((self.host, self.ports[index]), self, GATE_NAMES[index % 3])
        self._start(index)

    def close(self) -> None:
        for index in range(len(self._servers)):
            with self._lock:
                server, thread = self._servers[index], self._threads[index]
                self._servers[index] = None
            if server is not None:
                _stop(server, thread)


def _stop(server: GateServer, thread: threading.Thread | None) -> None:
    if thread is not None:
        server.shutdown()
    server.server_close()


def make_gates(
    host: str = "127.0.0.1",
    ports: tuple[int, ...] = (0, 0, 0),
    email: str = "sandbox@example.com",
    api_key: str = "sandbox-api-key",
) -> Gates:
    """Three ready (not yet serving) gates over one account; port 0 picks a free one."""
    return Gates(SmsAeroSandbox(email, api_key), host, ports)
