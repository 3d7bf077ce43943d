"""``python -m api`` composed over the shared runtime: HTTP, the intake queue, two chores.

Parts: the FastAPI app on uvicorn (its own thread), the intake-queue consumer, a chore that
publishes records whose submitter stopped before the broker confirmed them, and one that
deletes finished records past the retention period. The heartbeat says whether HTTP is up.
The dashboard's hub ends its live streams before HTTP stops, so the graceful stop does not
wait on pages that never hang up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from loguru import logger

from api.app import create_app
from api.auth import Authenticator
from api.context import ApiContext
from api.dashboard.setup import dashboard_hub
from api.intake_queue import QueueIntake
from api.readiness import api_checks
from api.server import HttpServer
from core import wiring
from core.config import AppSettings
from core.health import Heartbeat
from core.intake import DirectIntake, DirectStore, ReplySender, TopicCatalog
from core.runtime import ServiceRuntime
from core.transport.base import Transport
from core.transport.serial import SerialPublisher
from core.transport.topology import INTAKE_QUEUE
from systems import registry

HEARTBEAT_NAME = "api"
REPUBLISH_EVERY_S = 10.0
PURGE_EVERY_S = 3600.0


def run(settings: AppSettings, stop: threading.Event, transport: Transport | None = None) -> None:
    config = settings.api
    authenticator = Authenticator(config)  # a malformed token list is a configuration error, first
    if not authenticator.configured:
        logger.warning("no EXCHANGER_API_TOKENS and no JWT key: every call but /healthz gets 401")
    broker = wiring.transport(settings, transport)
    heartbeat = Heartbeat(settings.state_dir, HEARTBEAT_NAME)
    runtime = ServiceRuntime(HEARTBEAT_NAME, broker, stop, heartbeat)
    ledger = wiring.ledger(settings)
    records = DirectStore.open(settings.ledger_dsn())
    # HTTP handlers run on a pool of dozens of threads: one connection serves them all.
    publisher = SerialPublisher(broker.publisher, name="api-publisher")
    runtime.close_last(ledger.close, records.close, publisher.close)
    catalog = TopicCatalog(settings, registry.create_router)
    intake = DirectIntake(catalog, records, ledger, publisher)
    queue = QueueIntake(intake, ReplySender(publisher), publisher)
    runtime.consume(
        "intake",
        [INTAKE_QUEUE],
        queue.handle,
        concurrency=config.intake_concurrency,
        prefetch=config.intake_concurrency,
    )
    runtime.chore(REPUBLISH_EVERY_S, intake.republish_unqueued)
    runtime.chore(PURGE_EVERY_S, lambda: _purge(records, config.retention_days))
    context = ApiContext(settings, intake, records, catalog, ledger, wiring.engine_admin(settings))
    ready = api_checks(context.engine, lambda: runtime.connected, heartbeat.path, config.heartbeat_timeout_s)
    hub = dashboard_hub(settings, context.engine, ledger)
    http = HttpServer(create_app(context, authenticator, ready=ready, dashboard=hub), config)

    def status() -> Mapping[str, object]:
        return {"http": http.started, "broker": runtime.connected, "url": http.url}

    def main() -> None:
        http.start(stop)
        try:
            # The heartbeat (what --check reads) starts only once requests can be served.
            if http.wait_started(stop):
                logger.info("api serving {} (docs at /docs)", http.url)
                runtime.beat_until_stopped(status)
        finally:
            hub.close()
            http.stop()

    runtime.run(status, main=main)


def _purge(records: DirectStore, retention_days: float) -> None:
    removed = records.purge_finished_before(time.time() - retention_days * 86_400)
    if removed:
        logger.info("removed {} finished direct-task records older than {} days", removed, retention_days)
