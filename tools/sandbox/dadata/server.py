"""HTTP for the DaData sandbox: the two API paths and the ``/_sandbox/`` control API.

HTTP/1.1 keep-alive, like DaData: every new TCP connection counts against the per-minute
limit (60), so a client that opens a connection per call meets 429. One log line per
request names the endpoint and the status, never a header (keys) or a body (personal data).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from tools.sandbox.common.http import JsonHandler, SandboxHTTPServer, lowered
from tools.sandbox.dadata import control
from tools.sandbox.dadata.app import DEFAULT_KEYS, DaDataSandbox

MAX_BODY = 1024 * 1024


SandboxServer = SandboxHTTPServer[DaDataSandbox]


class _Handler(JsonHandler):
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        self.refused = not self.server.sandbox.connection_opened()

    def serve(self, verb: str) -> None:
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
                verb, path, lowered(self.headers.items()), raw, refused=self.refused
            )
        self.write_json(status, body, headers)
        label = path if path.startswith("/_sandbox/") else path.rsplit("/", 1)[-1]
        logger.info(
            "dadata sandbox {} {} {} {:.0f} ms", verb, label, status, (time.monotonic() - started) * 1000
        )


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
    return SandboxServer((host, port), DaDataSandbox(token, secret, **limits), _Handler, "dadata")
