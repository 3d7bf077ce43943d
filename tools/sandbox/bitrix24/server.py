"""HTTP for the sandbox: ``/rest/{user}/{code}/{method}[.json]`` and the ``/_sandbox/`` control API.

Bodies may be JSON or form-urlencoded (PHP brackets); GET query strings work too. One log
line per request names the method and the status, never the path (it holds the code).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from tools.sandbox.bitrix24 import control
from tools.sandbox.bitrix24.app import Bitrix24Sandbox
from tools.sandbox.bitrix24.phpquery import parse_php_query
from tools.sandbox.common.http import FORM, JsonHandler, SandboxHTTPServer

REST_PATH = re.compile(r"^/rest/(?P<user>[^/]+)/(?P<code>[^/]+)/(?P<method>[^/]+?)(?:\.json)?/?$")
MAX_BODY = 10 * 1024 * 1024


class BadRequest(Exception):
    """The request body cannot be read."""


SandboxServer = SandboxHTTPServer[Bitrix24Sandbox]


class _Handler(JsonHandler):
    server: SandboxServer

    def serve(self, verb: str) -> None:
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
        self.write_json(status, body)
        logger.info("bitrix24 sandbox {} {} {:.0f} ms", label, status, (time.monotonic() - started) * 1000)

    def _params(self, query: str) -> dict[str, Any]:
        params: dict[str, Any] = parse_php_query(query) if query else {}
        try:
            raw = self.read_body(MAX_BODY)
        except ValueError:
            raise BadRequest("missing, bad or too large Content-Length") from None
        if not raw.strip():
            return params
        if self.content_type() == FORM:
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
    return SandboxServer((host, port), sandbox, _Handler, "bitrix24")
