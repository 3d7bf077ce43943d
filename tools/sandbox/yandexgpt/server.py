"""HTTP for the YandexGPT sandbox: the API paths and the ``/_sandbox/`` control API on one port.

One log line per request names the endpoint and the status, never a header (they hold the key).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from tools.sandbox.common.http import JsonHandler, SandboxHTTPServer, lowered
from tools.sandbox.yandexgpt import control
from tools.sandbox.yandexgpt.app import YandexGptSandbox
from tools.sandbox.yandexgpt.faults import error_body

MAX_BODY = 10 * 1024 * 1024


SandboxServer = SandboxHTTPServer[YandexGptSandbox]


class _Handler(JsonHandler):
    server: SandboxServer

    def serve(self, verb: str) -> None:
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
            status, answer = sandbox.api(verb, path, lowered(self.headers.items()), body)
        self._write(status, answer)
        logger.info(
            "yandexgpt sandbox {} {} {} {:.0f} ms", verb, path, status, (time.monotonic() - started) * 1000
        )

    def _body(self) -> Any:
        raw = self.read_body(MAX_BODY)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ValueError("the body is not JSON") from None

    def _write(self, status: int, body: Any) -> None:
        self.write_json(status, body, {"x-request-id": f"sandbox-{time.monotonic_ns()}"})


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    folder_id: str = "b1gsandboxfolder",
    api_key: str = "sandbox-api-key",
    iam: str = "sandbox-iam-token",
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one. Serve with ``serve_forever()``."""
    return SandboxServer((host, port), YandexGptSandbox(folder_id, api_key, iam), _Handler, "yandexgpt")
