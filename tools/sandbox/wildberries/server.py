"""HTTP for the Wildberries sandbox: the advert and statistics paths and ``/_sandbox/`` on one port.

One log line per request names the endpoint and the status, never a header (they hold the
token). The ``dropped`` fault closes the connection without an answer.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from loguru import logger

from tools.sandbox.common.http import JsonHandler, SandboxHTTPServer, lowered
from tools.sandbox.wildberries import control
from tools.sandbox.wildberries.accounts import DEFAULT_TOKEN
from tools.sandbox.wildberries.app import DEFAULT_PAGE_CAP, WildberriesSandbox

MAX_BODY = 64 * 1024

SandboxServer = SandboxHTTPServer[WildberriesSandbox]


class _Handler(JsonHandler):
    server: SandboxServer

    def serve(self, verb: str) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        sandbox = self.server.sandbox
        if parts.path.startswith("/_sandbox/"):
            status, body = control.handle(sandbox, verb, parts.path, _json_object(self._raw()))
            self.write_json(status, body)
        else:
            self._raw()
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            answer = sandbox.api(verb, parts.path, query, lowered(self.headers.items()))
            if answer is None:
                self.close_connection = True  # the dropped fault: no status line at all
                status = 0
            else:
                status, body, headers = answer
                self.write_json(status, body, headers)
        logger.info(
            "wildberries sandbox {} {} {} {:.0f} ms",
            verb,
            parts.path,
            status,
            (time.monotonic() - started) * 1000,
        )

    def _raw(self) -> bytes:
        try:
            return self.read_body(MAX_BODY)
        except ValueError:
            self.close_connection = True
            return b""


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    token: str = DEFAULT_TOKEN,
    *,
    time_scale: float = 1.0,
    today: date | None = None,
    page_cap: int = DEFAULT_PAGE_CAP,
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one. The sandbox is ``server.sandbox``."""
    sandbox = WildberriesSandbox(token, time_scale=time_scale, today=today, page_cap=page_cap)
    return SandboxServer((host, port), sandbox, _Handler, "wildberries")
