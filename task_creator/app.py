"""Composition root of task_creator: per system, a consumer of its queue and a handler pool."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from loguru import logger

from core import datasets, http, wiring
from core.camunda import EnginePort
from core.config import AppSettings
from core.errors import LedgerError
from core.health import Heartbeat
from core.ledger import Ledger
from core.metrics.checks import connected_check
from core.metrics.expose import serve_metrics
from core.runtime import ServiceRuntime
from core.transport.base import Transport
from core.transport.topology import system_queue
from systems import registry
from task_creator.completion import EngineCompletion
from task_creator.handled import WRITE_EVERY_S, HandledLines
from task_creator.leftovers import LOOK_EVERY_S, Leftovers
from task_creator.marks import FLUSH_EVERY_S, PendingMarks
from task_creator.processor import TaskProcessor, claim_owner

HEARTBEAT_NAME = "task_creator"
CLAIM_RENEWALS = 3  # renewals per lease: a claim outlives two missed renewals
TOTALS_INTERVAL_S = 60.0
HEARTBEAT_MAX_AGE_S = 30.0


@dataclass(frozen=True)
class _Served:
    """What every system's processor of this creator shares."""

    ledger: Ledger
    owner: str
    completion: EngineCompletion | None
    handled: HandledLines


def run(
    settings: AppSettings,
    systems: list[str],
    stop: threading.Event,
    transport: Transport | None = None,
    engine: EnginePort | None = None,
) -> None:
    """Consume until ``stop`` is set; then stop intake, finish in-flight tasks, close.

    ``engine``: the client that completes immediate tasks (default: one of its own, from the
    settings, unless ``creator.complete_in_engine`` is off).
    """
    systems = wiring.served_systems(settings, systems)
    transport = wiring.transport(settings, transport)
    ledger = wiring.ledger(settings)
    datasets.configure(settings.datasets_dsn())  # opened only if a system's action asks for it
    heartbeat = Heartbeat(settings.state_dir, f"{HEARTBEAT_NAME}.{'+'.join(systems)}")
    runtime = ServiceRuntime(HEARTBEAT_NAME, transport, stop, heartbeat)
    runtime.close_last(ledger.close, datasets.close)
    owner = claim_owner()
    marks = PendingMarks(ledger)
    runtime.close_last(marks.flush)  # closers run in reverse: the last marks go before the ledger closes
    completion = _completion(settings, runtime, marks, engine)
    handled = HandledLines()
    runtime.close_last(handled.write)  # after the consumers: the last tasks' lines are written too
    served = _Served(ledger, owner, completion, handled)
    processors = [_serve_system(runtime, settings, name, served) for name in systems]
    lease_s = settings.creator.claim_lease_s
    runtime.chore(lease_s / CLAIM_RENEWALS, lambda: _renew_claims(ledger, owner, lease_s))
    runtime.chore(TOTALS_INTERVAL_S, lambda: _log_totals(processors), at_stop=True)
    runtime.every("final-marks", FLUSH_EVERY_S, marks.flush)
    runtime.every("handled-lines", WRITE_EVERY_S, handled.write)
    runtime.every("leftovers", LOOK_EVERY_S, Leftovers(ledger, runtime.publisher(), systems).send)
    ready = [connected_check("broker", lambda: runtime.connected)]
    serve_metrics(runtime, settings.metrics, HEARTBEAT_NAME, heartbeat, HEARTBEAT_MAX_AGE_S, ready)
    logger.info("task_creator serving {} as {}", ", ".join(systems), owner)
    runtime.run(lambda: {"systems": systems, "connected": runtime.connected})


def _completion(
    settings: AppSettings, runtime: ServiceRuntime, marks: PendingMarks, engine: EnginePort | None
) -> EngineCompletion | None:
    if not settings.creator.complete_in_engine:
        return None
    if engine is not None:
        return EngineCompletion(engine, marks)
    client = wiring.camunda_client(settings)  # a client of our own, closed with the service
    runtime.close_last(client.close)
    return EngineCompletion(client, marks)


def _serve_system(
    runtime: ServiceRuntime,
    settings: AppSettings,
    name: str,
    served: _Served,
) -> TaskProcessor:
    config = settings.systems[name]
    http.configure(name, config)  # the system's client finds its limits, circuit and timeout
    router = registry.create_router(name, config.options)
    logger.info("system {}: topics {}", name, ", ".join(router.topics))
    topology = wiring.topology(settings)
    processor = TaskProcessor(
        name,
        config,
        router,
        served.ledger,
        runtime.publisher(),
        topology,
        config.options,
        served.owner,
        claim_lease_s=settings.creator.claim_lease_s,
        completion=served.completion,
        log_handled=served.handled.add,
    )
    runtime.consume(
        name,
        [system_queue(name)],
        processor.process,
        concurrency=config.concurrency,
        prefetch=config.effective_prefetch,
    )
    return processor


def _renew_claims(ledger: Ledger, owner: str, lease_s: float) -> None:
    try:
        ledger.renew_claims(owner, lease_s)
    except LedgerError as err:  # the lease outlives a few failed renewals
        logger.error("could not renew this creator's claims: {}", err)


def _log_totals(processors: list[TaskProcessor]) -> None:
    for processor in processors:
        stats = processor.stats
        logger.info(
            "totals system={}: handled={} completed here={} re-emitted={} duplicates deferred={}",
            processor.system,
            stats.handled,
            stats.completed_here,
            stats.reemitted,
            stats.deferred,
        )
