"""``/healthz``, ``/readyz`` and ``/metrics``: for supervisors and Prometheus, without a token.

``/metrics`` shows counts and service names, no ids or secrets, but it is still meant for
the scraper alone: keep ``api.host`` on loopback or let the reverse proxy refuse the path
(docs/api.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from core.metrics.server import ReadyCheck, run_checks

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (no token needed, no backend called)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Readiness: engine and broker reachable, heartbeat fresh (200), else 503 naming what failed."""
    checks: Sequence[ReadyCheck] = request.app.state.ready
    ok, answers = await run_in_threadpool(run_checks, checks)  # the engine probe is a blocking call
    code = status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse({"ok": ok, "checks": answers}, status_code=code)


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """The default registry in the Prometheus text format (the same as the other services')."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
