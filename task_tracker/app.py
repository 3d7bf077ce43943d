"""Composition root of task_tracker: result intake, lock keeping, tracked-system polling."""

from __future__ import annotations

import threading
from typing import Protocol

from loguru import logger

from core import wiring
from core.camunda import EnginePort, TaskHistory
from core.config import AppSettings
from core.errors import ExchangerError
from core.health import Heartbeat
from core.intake import DirectStore, ReplySender
from core.ledger import Ledger, LedgerEntry
from core.metrics.checks import connected_check
from core.metrics.collectors import TrackedWork, register
from core.metrics.expose import engine_ready, serve_metrics
from core.runtime import ServiceRuntime
from core.tracking import SystemTracker
from core.transport.base import Transport
from core.transport.topology import RESPONSES_QUEUE, sent_queue
from task_tracker.direct import DirectSettler
from task_tracker.gone import GoneTasks, Settling
from task_tracker.intake import ResultIntake
from task_tracker.locks import LockKeeper
from task_tracker.polling import SystemPoller, load_tracker
from task_tracker.settle import Settler, tracked_item

HEARTBEAT_NAME = "task_tracker"
POLL_JITTER = 0.25  # each poll interval ±25 %
REPLY_CHECK_EVERY_S = 10.0  # how often direct tasks settled without a reply are looked for


class Engine(EnginePort, TaskHistory, Protocol):
    """What the tracker asks of the engine: task commands, and history to explain a 404."""


def run(
    settings: AppSettings,
    systems: list[str] | None,
    stop: threading.Event,
    transport: Transport | None = None,
    engine: Engine | None = None,
) -> None:
    served = wiring.served_systems(settings, systems)
    transport = wiring.transport(settings, transport)
    ledger = wiring.ledger(settings)
    records = DirectStore.open(settings.ledger_dsn())
    heartbeat = Heartbeat(settings.state_dir, HEARTBEAT_NAME)
    runtime = ServiceRuntime(HEARTBEAT_NAME, transport, stop, heartbeat)
    runtime.close_last(ledger.close, records.close)
    client = engine or _own_engine(settings, runtime)
    trackers = {
        n: load_tracker(n, settings.systems[n]) for n in served if settings.systems[n].kind == "tracked"
    }
    direct = DirectSettler(records, ledger, ReplySender(runtime.publisher()))
    settler, keeper = _settling(client, ledger, trackers, direct, wiring.worker_id(settings))
    logger.info("tracking {} in-flight tasks from the ledger", keeper.rebuild())
    intake = ResultIntake(settler, runtime.publisher(), stop)
    concurrency = settings.tracker.concurrency
    queues = [sent_queue(n) for n in served] + [RESPONSES_QUEUE]
    runtime.consume("results", queues, intake.process, concurrency=concurrency, prefetch=concurrency * 2)
    runtime.every("locks", settings.tracker.lock_check_interval_s, keeper.keep_alive)
    runtime.chore(REPLY_CHECK_EVERY_S, direct.resend_missing_replies)
    owner = wiring.process_owner()  # this tracker's name on the items it leases to poll
    for name, tracker in trackers.items():
        poller = SystemPoller(name, settings.systems[name], tracker, ledger, settler, owner=owner)
        # Jittered: trackers on other hosts would otherwise stay in step, and the one a hair
        # ahead would lease every new item (an item stays with the tracker that leased it first).
        runtime.every(f"poll-{name}", settings.systems[name].poll_interval_s, poller.poll, jitter=POLL_JITTER)
        runtime.close_last(poller.release)  # before the ledger closes (closers run in reverse)
    ready = [engine_ready(settings, runtime), connected_check("broker", lambda: runtime.connected)]
    if settings.metrics.enabled:
        runtime.close_last(register(TrackedWork(ledger, trackers)))
    serve_metrics(
        runtime, settings.metrics, HEARTBEAT_NAME, heartbeat, settings.tracker.heartbeat_timeout_s, ready
    )
    logger.info("task_tracker serving {}", ", ".join(served))
    runtime.run(lambda: {"connected": runtime.connected, "tracked": len(keeper), "extended": keeper.extended})


def _own_engine(settings: AppSettings, runtime: ServiceRuntime) -> Engine:
    """A client of our own, closed with the service (an engine handed in belongs to the caller)."""
    client = wiring.camunda_client(settings)
    runtime.close_last(client.close)
    return client


def _settling(
    client: Engine,
    ledger: Ledger,
    trackers: dict[str, SystemTracker],
    direct: DirectSettler,
    worker_id: str,
) -> tuple[Settler, LockKeeper]:
    """The settler and the lock keeper, sharing one view of what is gone and what is being settled.

    The keeper extends only the locks of this set's worker (``worker_id``): on several hosts the
    result queue is shared, so this tracker also settles tracked results of the other set's tasks.
    """
    settling = Settling()
    gone = GoneTasks(client, ledger, settling, on_cancelled=lambda e: _tell_cancelled(trackers, e))
    keeper = LockKeeper(
        client, ledger, tracked_systems=set(trackers), on_gone=gone.task_gone, worker_id=worker_id
    )
    settler = Settler(
        client,
        ledger,
        on_gone=gone.task_gone,
        settling=settling,
        on_tracked=lambda entry: keeper.add(entry, due_now=True),
        direct=direct.settle,
    )
    return settler, keeper


def _tell_cancelled(trackers: dict[str, SystemTracker], entry: LedgerEntry) -> None:
    tracker = trackers.get(entry.system)
    if tracker is None or not entry.external_id:
        return
    try:
        tracker.cancelled(tracked_item(entry))
        logger.info(
            "told {} that task={} was cancelled (item {})",
            entry.system,
            entry.external_task_id,
            entry.external_id,
        )
    except ExchangerError as err:
        logger.error("could not tell {} about cancelled item {}: {}", entry.system, entry.external_id, err)
