"""HTTP for the OpenProject sandbox: ``/api/v3/…`` and the ``/_sandbox/`` control API on one port.

Adds PATCH to the shared JSON handler. A dropped answer (fault) closes the connection
without writing a byte. One log line per request names the verb, the endpoint and the status,
never a header (the token) or a body (subjects and comments may hold personal data).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from loguru import logger

from tools.sandbox.common.http import JsonHandler, SandboxHTTPServer, lowered
from tools.sandbox.openproject import control
from tools.sandbox.openproject.app import OpenProjectSandbox
from tools.sandbox.openproject.context import Request, Settings
from tools.sandbox.openproject.hal import HAL, Reply, error
from tools.sandbox.openproject.people import rule_from_json
from tools.sandbox.openproject.routes import resolve

MAX_BODY = 10 * 1024 * 1024
DEFAULT_TOKEN = "sandbox-op-token"  # noqa: S105 (the sandbox's public default, not a secret)

SandboxServer = SandboxHTTPServer[OpenProjectSandbox]


class _Handler(JsonHandler):
    server: SandboxServer

    def do_PATCH(self) -> None:
        self.serve("PATCH")

    def serve(self, verb: str) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        try:
            raw = self.read_body(MAX_BODY)
        except ValueError:
            self._answer(
                Reply(400, error("InvalidRequestBody", "The request body is too large or unreadable."))
            )
            return
        if url.path.startswith("/_sandbox/"):
            status, body = control.handle(self.server.sandbox, verb, url.path, _control_body(raw))
            self.write_json(status, body)
            label = url.path
        else:
            request = Request(verb, url.path, dict(parse_qsl(url.query)), lowered(self.headers.items()), raw)
            reply = self.server.sandbox.api(request)
            self._answer(reply)
            status, label = reply.status, _label(verb, url.path)
        logger.info(
            "openproject sandbox {} {} {:.0f} ms",
            label,
            status or "dropped",
            (time.monotonic() - started) * 1000,
        )

    def _answer(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            return
        if reply.body is None:
            self.write(reply.status, b"", reply.content_type, reply.headers)
        elif isinstance(reply.body, str):
            self.write(reply.status, reply.body.encode("utf-8"), reply.content_type, reply.headers)
        else:
            data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            self.write(reply.status, data, reply.content_type or HAL, reply.headers)


def _label(verb: str, path: str) -> str:
    route = resolve(verb, path)
    return f"{verb} {route.endpoint if route else 'unknown'}"


def _control_body(raw: bytes) -> dict[str, Any]:
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
    rate_limit_rps: float | None = 20.0,
    rate_limit_burst: int = 40,
    max_page_size: int = 100,
    auto_close_after_s: float | None = None,
) -> SandboxServer:
    """A ready (not yet serving) sandbox; port 0 picks a free one. The sandbox is ``server.sandbox``.

    ``auto_close_after_s``: simulated people close every work package that long after it appeared.
    """
    settings = Settings(
        rate_limit_rps=rate_limit_rps, rate_limit_burst=rate_limit_burst, max_page_size=max_page_size
    )
    sandbox = OpenProjectSandbox(token, settings)
    if auto_close_after_s is not None:
        rule = {"status": "Closed", "after_s": auto_close_after_s, "comment": "Done."}
        sandbox.people.rules = [rule_from_json(sandbox.state, rule)]
    return SandboxServer((host, port), sandbox, _Handler, "openproject")
