"""The FastAPI application: routes, error answers, the body limit, CORS when configured, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.auth import Authenticator
from api.context import ApiContext
from api.dashboard import routes as dashboard_routes
from api.dashboard.hub import SnapshotHub
from api.dashboard.setup import dashboard_hub
from api.errors import install_error_handlers
from api.limits import BodyLimit
from api.request_metrics import RequestCounter
from api.routes import control, health, tasks
from core.metrics.server import ReadyCheck

VERSION = "1"


def create_app(
    context: ApiContext,
    authenticator: Authenticator,
    *,
    ready: Sequence[ReadyCheck] = (),
    dashboard: SnapshotHub | None = None,
) -> FastAPI:
    """The app over ``context``; OpenAPI at /openapi.json, its pages at /docs.

    ``ready``: what /readyz checks. ``dashboard``: the hub behind /dashboard (built from the
    context when not given); it runs while the app does and is closed when the app stops.
    """
    hub = dashboard or dashboard_hub(context.settings, context.engine, context.ledger)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hub.start()
        try:
            yield
        finally:
            hub.close()

    app = FastAPI(
        title="Exchanger API",
        version=VERSION,
        summary="Direct tasks without a process, control of running processes, and the operators' dashboard.",
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.authenticator = authenticator
    app.state.ready = list(ready)
    app.state.dashboard = hub
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(tasks.router)
    app.include_router(control.router)
    app.include_router(dashboard_routes.router)

    config = context.settings.api
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Idempotent-Replayed"],
        )
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(RequestCounter)  # outermost: a 413 from the body limit is counted too
    return app
