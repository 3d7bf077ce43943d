"""HTTP for the Ozon sandbox: the API paths and the ``/_sandbox/`` control API on one port.

Any verb reaches the API (a GET on a POST method is answered 405, as by Ozon's gateway). A
``drop`` fault closes the connection without writing a byte. One log line per request names
the path, the Client-Id and the status, never the Api-Key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from loguru import logger

from tools.sandbox.common.http import JsonHandler, SandboxHTTPServer, lowered
from tools.sandbox.ozon import control
from tools.sandbox.ozon.app import DROP, OzonSandbox
from tools.sandbox.ozon.faults import error_body
from tools.sandbox.ozon.state import Settings

MAX_BODY = 10 * 1024 * 1024

SandboxServer = SandboxHTTPServer[OzonSandbox]


class _Handler(JsonHandler):
    server: SandboxServer

    def do_PUT(self) -> None:
        self.serve("PUT")

    def do_PATCH(self) -> None:
        self.serve("PATCH")

    def serve(self, verb: str) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        sandbox = self.server.sandbox
        try:
            raw = self.read_body(MAX_BODY)
        except ValueError as exc:
            self.write_json(400, error_body(3, str(exc)))
            return
        headers = lowered(self.headers.items())
        if path.startswith("/_sandbox/"):
            status, answer = control.handle(sandbox, verb, path, _control_body(raw))
        else:
            status, answer = sandbox.api(verb, path, headers, raw)
        if (status, answer) == DROP:
            self.close_connection = True  # the socket closes with nothing written
        else:
            self.write_json(status, answer, {"x-o3-trace-id": f"sandbox{time.monotonic_ns():x}"})
        logger.info(
            "ozon sandbox {} {} client={} {} {:.0f} ms",
            verb,
            path,
            headers.get("client-id", "-"),
            status or "dropped",
            (time.monotonic() - started) * 1000,
        )


def _control_body(raw: bytes) -> dict[str, object]:
    try:
        decoded = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    clients: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one. Serve with ``serve_forever()``.

    ``clients`` maps each Client-Id to its Api-Key (default: ``123456`` → ``sandbox-api-key``).
    """
    return SandboxServer((host, port), OzonSandbox(clients, settings), _Handler, "ozon")
