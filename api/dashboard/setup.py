"""Builds the dashboard's hub over the API's engine client and ledger (composition only)."""

from __future__ import annotations

from api.dashboard.hub import INTERVAL_S, SnapshotHub
from api.dashboard.metrics_source import MetricsSource
from api.dashboard.queues import QueueReader
from api.dashboard.snapshot import SnapshotBuilder
from core import wiring
from core.camunda import EngineAdmin
from core.config import AppSettings
from core.ledger import Ledger


def dashboard_hub(
    settings: AppSettings, engine: EngineAdmin, ledger: Ledger, interval_s: float = INTERVAL_S
) -> SnapshotHub:
    """The hub; its broker connection opens on the first tick and closes with the hub."""
    queues = QueueReader(wiring.broker_settings(settings), wiring.topology(settings))
    metrics = MetricsSource(settings.metrics, settings.state_dir)
    builder = SnapshotBuilder(settings, engine, ledger, queues, metrics, interval_s)

    def close() -> None:
        queues.close()
        metrics.close()

    return SnapshotHub(lambda: builder.build().model_dump_json(), interval_s, close_source=close)
