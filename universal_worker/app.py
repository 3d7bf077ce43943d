"""Composition root of the universal worker: settings in, a running fetch loop out."""

from __future__ import annotations

import threading
from functools import partial

from loguru import logger

from core import wiring
from core.bpmn import BpmnCache
from core.config import AppSettings
from core.errors import BpmnModelError, XmlError
from core.health import Heartbeat
from core.ledger import Ledger
from core.metrics.checks import probe_check
from core.metrics.collectors import LedgerStates, QueueDepths, register
from core.metrics.expose import engine_ready, serve_metrics
from core.runtime import ServiceRuntime
from core.transport.admin import QueueGauge
from core.transport.base import Transport
from universal_worker.backpressure import Backpressure
from universal_worker.dispatch import Dispatcher
from universal_worker.loop import FetchLoop
from universal_worker.plan import Planner
from universal_worker.routing import Router, render_table

HEARTBEAT_NAME = "universal_worker"


def build_router(settings: AppSettings) -> Router:
    return Router(settings.routing, settings.systems)


def run(settings: AppSettings, stop: threading.Event, transport: Transport | None = None) -> None:
    """Run until ``stop`` is set; then finish publishing what was fetched and close connections."""
    worker_id = wiring.worker_id(settings)
    router = build_router(settings)
    logger.info("routing table:\n{}", render_table(router.table()))
    transport = wiring.transport(settings, transport)
    heartbeat = Heartbeat(settings.state_dir, HEARTBEAT_NAME)
    runtime = ServiceRuntime(f"{HEARTBEAT_NAME}:{worker_id}", transport, stop, heartbeat)
    client = wiring.camunda_client(settings)
    ledger = wiring.ledger(settings)
    gauge = QueueGauge(wiring.broker_settings(settings), f"{HEARTBEAT_NAME}:{worker_id}:gauge")
    # Connections close last, after the loop has published (or unlocked) its last batch.
    runtime.close_last(ledger.close, client.close, gauge.close)
    _expose_metrics(settings, runtime, heartbeat, ledger)
    cache = BpmnCache(client.process_definition_xml, max_entries=settings.worker.bpmn_cache_size)
    dispatcher = Dispatcher(client, runtime.publisher(), ledger, router, dict(settings.systems), cache)
    backpressure = Backpressure(
        gauge, settings.systems, lambda system: dispatcher.stats.by_system.get(system, 0)
    )
    loop = FetchLoop(
        worker_id=worker_id,
        config=settings.worker,
        client=client,
        planner=Planner(
            router, settings.systems, settings.worker, client, partial(activity_properties, cache)
        ),
        dispatcher=dispatcher,
        heartbeat=heartbeat,
        stop=stop,
        broker_probe=lambda: transport.declare(wiring.topology(settings)),
        discovers=router.needs_discovery(),
        backpressure=backpressure if settings.worker.backpressure else None,
    )
    runtime.run(dict, main=loop.run)


def _expose_metrics(
    settings: AppSettings, runtime: ServiceRuntime, heartbeat: Heartbeat, ledger: Ledger
) -> None:
    """The worker's endpoint also reports queue depths and ledger states, read when scraped."""
    if not settings.metrics.enabled:
        return
    depths = QueueDepths(wiring.broker_settings(settings), wiring.topology(settings).queue_names())
    ledger_states = LedgerStates(ledger.counts)
    runtime.close_last(register(depths), depths.close, register(ledger_states))
    ready = [engine_ready(settings, runtime), probe_check("broker", depths.reachable)]
    serve_metrics(
        runtime, settings.metrics, HEARTBEAT_NAME, heartbeat, settings.worker.heartbeat_timeout_s, ready
    )


def activity_properties(cache: BpmnCache, definition_id: str, activity_id: str) -> dict[str, str]:
    """An activity's extension properties from its definition's BPMN; none when it cannot be read."""
    try:
        model = cache.get(definition_id)
    except (XmlError, BpmnModelError):
        return {}
    for process in model.processes.values():
        meta = process.activities.get(activity_id)
        if meta is not None:
            return dict(meta.extension_properties)
    return {}
