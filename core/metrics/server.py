"""``/metrics``, ``/healthz`` and ``/readyz`` on a port of the service's own (a thread of its own).

- ``/metrics``: the Prometheus text format of the default registry.
- ``/healthz``: liveness. 200 while the service's main loop beats (its heartbeat is fresh);
  503 when it is stuck, so a supervisor may restart it.
- ``/readyz``: readiness. 200 when every check passes (engine and broker reachable, heartbeat
  fresh); 503 with the failing checks named. The answer is JSON: ``{"ok": …, "checks": {…}}``.

The API service serves the same three paths on its own HTTP port instead (api/app.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from core.errors import ExchangerError

# A check: a name and a call answering (ok, one-line reason). It must not raise.
ReadyCheck = tuple[str, Callable[[], tuple[bool, str]]]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never holds up the service's stop


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # scrapes every few seconds would drown the service's own log


def run_checks(checks: Iterable[ReadyCheck]) -> tuple[bool, dict[str, dict[str, object]]]:
    """Every check's answer and whether all passed."""
    answers: dict[str, dict[str, object]] = {}
    for name, check in checks:
        ok, reason = check()
        answers[name] = {"ok": ok, "detail": reason}
    return all(answer["ok"] for answer in answers.values()), answers


class MetricsServer:
    """Serves the three endpoints on ``host:port`` (0: any free port, see :attr:`url`)."""

    def __init__(self, host: str, port: int, *, live: ReadyCheck, ready: list[ReadyCheck]) -> None:
        self._live = live
        self._ready = [live, *ready]
        self._metrics = make_wsgi_app()
        try:
            self._server = make_server(host, port, self._app, _ThreadingServer, handler_class=_QuietHandler)
        except OSError as err:
            raise ExchangerError(
                f"cannot serve metrics on {host}:{port} ({err.strerror or str(err)}): "
                "is the port taken? Set metrics.port (EXCHANGER_METRICS_PORT) or metrics.enabled: false"
            ) from err
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self._metrics(environ, start_response)  # type: ignore[no-any-return]
        if path in ("/healthz", "/readyz"):
            ok, answers = run_checks([self._live] if path == "/healthz" else self._ready)
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps({"ok": ok, "checks": answers}).encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics, /healthz or /readyz\n"]
