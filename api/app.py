"""The FastAPI application: routes, error answers, the body limit, CORS when configured, metrics."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.auth import Authenticator
from api.context import ApiContext
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
) -> FastAPI:
    """The app over ``context``; OpenAPI at /openapi.json, its pages at /docs; ``ready``: what /readyz checks."""
    app = FastAPI(
        title="Exchanger API",
        version=VERSION,
        summary="Direct tasks without a process, and control of running processes.",
    )
    app.state.context = context
    app.state.authenticator = authenticator
    app.state.ready = list(ready)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(tasks.router)
    app.include_router(control.router)

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
