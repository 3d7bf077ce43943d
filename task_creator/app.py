"""Composition root of task_creator: one consumer and one handler pool per system."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from loguru import logger

from core import wiring
from core.config import AppSettings
from core.errors import ConfigError
from core.health import Heartbeat
from core.ledger import SqliteLedger
from core.transport.base import Delivery
from core.transport.consumer import Consumer
from core.transport.publisher import ThreadLocalPublisher
from core.transport.topology import system_queue
from systems import registry
from task_creator.processor import TaskProcessor

HEARTBEAT_NAME = "task_creator"
SHUTDOWN_TIMEOUT_S = 60.0


@dataclass
class SystemRunner:
    """The moving parts serving one system's queue."""

    name: str
    consumer: Consumer
    pool: ThreadPoolExecutor


def run(settings: AppSettings, systems: list[str], stop: threading.Event) -> None:
    """Consume until ``stop`` is set; then stop intake, finish in-flight tasks, close."""
    unknown = [name for name in systems if name not in settings.systems]
    if unknown:
        raise ConfigError(f"--system {unknown[0]!r} is not defined in systems.yaml", key=unknown[0])
    wiring.declare_topology(settings, f"{HEARTBEAT_NAME}:topology")
    ledger = wiring.ledger(settings)
    publisher = ThreadLocalPublisher(wiring.broker_settings(settings), HEARTBEAT_NAME)
    runners = [_start_system(settings, name, ledger, publisher) for name in systems]
    heartbeat = Heartbeat(settings.state_dir, f"{HEARTBEAT_NAME}.{'+'.join(systems)}")
    logger.info("task_creator serving {}", ", ".join(systems))
    while not stop.wait(1.0):
        heartbeat.beat({"systems": systems, "connected": all(r.consumer.is_connected for r in runners)})
    for runner in runners:
        # Stop intake first; the consumer keeps its connection open while the pool settles.
        runner.consumer.stop(timeout=SHUTDOWN_TIMEOUT_S)
        runner.pool.shutdown(wait=True, cancel_futures=True)
    heartbeat.clear()
    ledger.close()
    logger.info("task_creator stopped")


def _start_system(
    settings: AppSettings, name: str, ledger: SqliteLedger, publisher: ThreadLocalPublisher
) -> SystemRunner:
    config = settings.systems[name]
    router = registry.create_router(name, config.options)
    logger.info("system {}: topics {}", name, ", ".join(router.topics))
    pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix=f"{name}-handler")
    processor = TaskProcessor(
        name, config, router, ledger, publisher, wiring.topology(settings), config.options
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
    return SystemRunner(name, consumer, pool)
