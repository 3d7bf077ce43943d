"""What ``/readyz`` checks for the API: the engine answers, the broker is connected, the heartbeat is fresh.

Each check is one of core.metrics.checks, so every service's readiness reads the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.camunda import EngineAdmin
from core.metrics.checks import connected_check, engine_check, heartbeat_check
from core.metrics.server import ReadyCheck


def api_checks(
    engine: EngineAdmin, broker_connected: Callable[[], bool], heartbeat: Path, heartbeat_max_age_s: float
) -> list[ReadyCheck]:
    return [
        engine_check(engine.version),  # cached a few seconds: probes never load the engine
        connected_check("broker", broker_connected),
        heartbeat_check(heartbeat, heartbeat_max_age_s),
    ]
