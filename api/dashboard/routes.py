"""The dashboard's routes: the page and its assets (no token: they hold no data), and the data.

Data needs a bearer token with the role ``read``, like every ``/v1`` route: the page sends it
from sessionStorage, in the Authorization header only (never in a URL, which lands in logs).
EventSource cannot send headers, so the page reads the stream with fetch().

- ``GET /dashboard``: the page; ``GET /dashboard/assets/{name}``: its CSS and JS modules;
- ``GET /v1/me``: who the token belongs to and its roles (the page's sign-in);
- ``GET /v1/dashboard/snapshot``: one snapshot (JSON);
- ``GET /v1/dashboard/stream``: ``text/event-stream``, a ``snapshot`` event every tick.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel

from api.auth import Reader
from api.dashboard.hub import Frame, SnapshotHub
from api.dashboard.models import Snapshot

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
# Everything the page loads comes from here; nothing inline, nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # nginx: pass events at once
# A stream ends after this long and the page reconnects at once: a token that stopped being
# valid (an expired JWT) stops seeing data within this time.
STREAM_MAX_S = 300.0

router = APIRouter(tags=["dashboard"])


class Me(BaseModel):
    name: str
    roles: list[str]


def _assets() -> dict[str, Path]:
    return {path.name: path for path in STATIC.iterdir() if path.suffix in MEDIA_TYPES}


ASSETS = _assets()  # a fixed set: a request can name nothing else (no path traversal to guard)


@router.get("/dashboard", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/dashboard/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such asset")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=PAGE_HEADERS)


@router.get("/v1/me", response_model=Me)
def me(caller: Reader) -> Me:
    """The caller's name and roles (``operate`` includes ``read``)."""
    return Me(name=caller.name, roles=sorted(caller.roles))


@router.get("/v1/dashboard/snapshot", responses={200: {"model": Snapshot}})
def snapshot(_caller: Reader, request: Request) -> Response:
    """What the dashboard shows now: counts, systems, queues, people-work, incidents, executions, tasks."""
    frame = _hub(request).current()
    if frame is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "no snapshot: the service is stopping, or building one failed",
        )
    return Response(frame.text, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/v1/dashboard/stream", response_class=StreamingResponse)
async def stream(_caller: Reader, request: Request) -> StreamingResponse:
    """Server-Sent Events: ``event: snapshot`` with the snapshot's JSON every tick (about 2 s),
    comments as keep-alives, ``event: renew`` before the server ends a long stream."""
    return StreamingResponse(_events(_hub(request)), media_type="text/event-stream", headers=STREAM_HEADERS)


async def _events(hub: SnapshotHub) -> AsyncIterator[str]:
    ends_at = time.monotonic() + STREAM_MAX_S
    yield ": connected\n\n"
    async with aclosing(hub.stream()) as items:  # a page that leaves unsubscribes at once
        async for item in items:
            if time.monotonic() > ends_at:
                yield "event: renew\ndata: {}\n\n"
                return
            yield ": keep-alive\n\n" if item is None else _event(item)


def _event(frame: Frame) -> str:
    return f"id: {frame.seq}\nevent: snapshot\ndata: {frame.text}\n\n"


def _hub(request: Request) -> SnapshotHub:
    hub: SnapshotHub = request.app.state.dashboard
    return hub
