"""Wires a service's metrics endpoint into its runtime: port from settings, checks, shutdown."""

from __future__ import annotations

from core import wiring
from core.config.models import AppSettings, MetricsConfig
from core.health import Heartbeat
from core.metrics.checks import engine_check, heartbeat_check
from core.metrics.server import MetricsServer, ReadyCheck
from core.runtime import ServiceRuntime

# Each service's port when metrics.port is not set (the API serves them on its own port).
DEFAULT_PORTS = {"universal_worker": 9401, "task_creator": 9402, "task_tracker": 9403}


def serve_metrics(
    runtime: ServiceRuntime,
    config: MetricsConfig,
    service: str,
    heartbeat: Heartbeat,
    heartbeat_max_age_s: float,
    ready: list[ReadyCheck],
) -> MetricsServer | None:
    """Start the endpoint (None when metrics are off); it closes with the runtime's connections."""
    if not config.enabled:
        return None
    port = DEFAULT_PORTS[service] if config.port is None else config.port
    server = MetricsServer(
        config.host, port, live=heartbeat_check(heartbeat.path, heartbeat_max_age_s), ready=ready
    )
    server.start()
    heartbeat.note(metrics_url=server.url)  # where tools and the dashboard find it
    runtime.close_last(server.close)
    return server


def engine_ready(settings: AppSettings, runtime: ServiceRuntime) -> ReadyCheck:
    """A readiness check on a client of its own (never the service's busy pool), closed with it."""
    admin = wiring.engine_admin(settings)
    runtime.close_last(admin.close)
    return engine_check(admin.version)
