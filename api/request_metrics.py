"""Counts every answered request as ``exchanger_api_requests_total{route,method,status}``.

The route label is the matched route's *template* (``/v1/executions/{instance_id}/pause``),
never the path itself, so ids cannot grow the series without bound; a path no route matches
counts as ``unmatched`` and a method outside the usual set as ``OTHER``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.metrics.catalog import API_REQUESTS

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class RequestCounter:
    """Pure ASGI middleware (no buffering, so streamed answers pass straight through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # the app raised before it answered: the server answers 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            API_REQUESTS.labels(route_template(scope), _method(scope), str(status)).inc()


def route_template(scope: Scope) -> str:
    """The template of the route the router matched (the router stores it in the shared scope)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _method(scope: Scope) -> str:
    method = str(scope.get("method", "")).upper()
    return method if method in METHODS else "OTHER"
