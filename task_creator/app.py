"""Composition root of task_creator: one consumer and one handler pool per system."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from loguru import logger

from core import wiring
from core.config import AppSettings
from core.errors import ConfigError, LedgerError
from core.health import Heartbeat
from core.ledger import SqliteLedger
from core.transport.base import Delivery
from core.transport.consumer import Consumer
from core.transport.publisher import ThreadLocalPublisher
from core.transport.topology import system_queue
from systems import registry
from task_creator.processor import CLAIM_LEASE_S, TaskProcessor, claim_owner

HEARTBEAT_NAME = "task_creator"
SHUTDOWN_TIMEOUT_S = 60.0
CLAIM_RENEW_S = CLAIM_LEASE_S / 3
TOTALS_INTERVAL_S = 60.0


@dataclass
class SystemRunner:
    """The moving parts serving one system's queue."""

    name: str
    consumer: Consumer
    pool: ThreadPoolExecutor
    processor: TaskProcessor


def run(settings: AppSettings, systems: list[str], stop: threading.Event) -> None:
    """Consume until ``stop`` is set; then stop intake, finish in-flight tasks, close."""
    unknown = [name for name in systems if name not in settings.systems]
    if unknown:
        raise ConfigError(f"--system {unknown[0]!r} is not defined in systems.yaml", key=unknown[0])
    wiring.declare_topology(settings, f"{HEARTBEAT_NAME}:topology")
    ledger = wiring.ledger(settings)
    publisher = ThreadLocalPublisher(wiring.broker_settings(settings), HEARTBEAT_NAME)
    owner = claim_owner()
    runners = [_start_system(settings, name, ledger, publisher, owner) for name in systems]
    heartbeat = Heartbeat(settings.state_dir, f"{HEARTBEAT_NAME}.{'+'.join(systems)}")
    logger.info("task_creator serving {} as {}", ", ".join(systems), owner)
    renewed_at = totals_at = time.monotonic()
    while not stop.wait(1.0):
        heartbeat.beat({"systems": systems, "connected": all(r.consumer.is_connected for r in runners)})
        if time.monotonic() - renewed_at >= CLAIM_RENEW_S:
            renewed_at = time.monotonic()
            _renew_claims(ledger, owner)
        if time.monotonic() - totals_at >= TOTALS_INTERVAL_S:
            totals_at = time.monotonic()
            _log_totals(runners)
    _log_totals(runners)
    for runner in runners:
        # Stop intake first; the consumer keeps its connection open while the pool settles.
        runner.consumer.stop(timeout=SHUTDOWN_TIMEOUT_S)
        runner.pool.shutdown(wait=True, cancel_futures=True)
    heartbeat.clear()
    ledger.close()
    logger.info("task_creator stopped")


def _renew_claims(ledger: SqliteLedger, owner: str) -> None:
    try:
        ledger.renew_claims(owner, CLAIM_LEASE_S)
    except LedgerError as err:  # the lease outlives a few failed renewals
        logger.error("could not renew this creator's claims: {}", err)


def _log_totals(runners: list[SystemRunner]) -> None:
    for runner in runners:
        stats = runner.processor.stats
        logger.info(
            "totals system={}: handled={} re-emitted={} duplicates deferred={}",
            runner.name,
            stats.handled,
            stats.reemitted,
            stats.deferred,
        )


def _start_system(
    settings: AppSettings, name: str, ledger: SqliteLedger, publisher: ThreadLocalPublisher, owner: str
) -> SystemRunner:
    config = settings.systems[name]
    router = registry.create_router(name, config.options)
    logger.info("system {}: topics {}", name, ", ".join(router.topics))
    pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix=f"{name}-handler")
    processor = TaskProcessor(
        name, config, router, ledger, publisher, wiring.topology(settings), config.options, owner
    )

    def hand_over(delivery: Delivery) -> None:
        pool.submit(processor.process, delivery)

    consumer = Consumer(
        wiring.broker_settings(settings),
        [system_queue(name)],
        hand_over,
        prefetch=config.effective_prefetch,
        name=f"{HEARTBEAT_NAME}:{name}",
    )
    consumer.start()
    return SystemRunner(name, consumer, pool, processor)
