"""Composition root of task_tracker: result intake, lock keeping, tracked-system polling."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from loguru import logger

from core import wiring
from core.config import AppSettings
from core.errors import CamundaUnavailable, ConfigError, ExchangerError
from core.health import Heartbeat
from core.ledger import LedgerEntry
from core.retry import Backoff
from core.tracking import SystemTracker
from core.transport.base import Delivery
from core.transport.consumer import Consumer
from core.transport.publisher import ThreadLocalPublisher
from core.transport.topology import RESPONSES_QUEUE, sent_queue
from task_tracker.gone import GoneTasks, Settling
from task_tracker.intake import ResultIntake
from task_tracker.locks import LockKeeper
from task_tracker.polling import SystemPoller, load_tracker
from task_tracker.settle import Settler, tracked_item

HEARTBEAT_NAME = "task_tracker"
SHUTDOWN_TIMEOUT_S = 60.0


def run(settings: AppSettings, systems: list[str] | None, stop: threading.Event) -> None:
    served = systems or list(settings.systems)
    unknown = [name for name in served if name not in settings.systems]
    if unknown:
        raise ConfigError(f"--system {unknown[0]!r} is not defined in systems.yaml", key=unknown[0])
    wiring.declare_topology(settings, f"{HEARTBEAT_NAME}:topology")
    client = wiring.camunda_client(settings)
    ledger = wiring.ledger(settings)
    trackers = {
        n: load_tracker(n, settings.systems[n]) for n in served if settings.systems[n].kind == "tracked"
    }
    settling = Settling()
    gone = GoneTasks(client, ledger, settling, on_cancelled=lambda e: _tell_cancelled(trackers, e))
    keeper = LockKeeper(client, ledger, tracked_systems=set(trackers), on_gone=gone.task_gone)
    settler = Settler(
        client,
        ledger,
        on_gone=gone.task_gone,
        settling=settling,
        on_tracked=lambda entry: keeper.add(entry, due_now=True),
    )
    logger.info("tracking {} in-flight tasks from the ledger", keeper.rebuild())

    publisher = ThreadLocalPublisher(wiring.broker_settings(settings), HEARTBEAT_NAME)
    pool = ThreadPoolExecutor(settings.tracker.concurrency, thread_name_prefix="settle")
    intake = ResultIntake(settler, publisher, stop)

    def hand_over(delivery: Delivery) -> None:
        pool.submit(intake.process, delivery)

    consumer = Consumer(
        wiring.broker_settings(settings),
        [sent_queue(n) for n in served] + [RESPONSES_QUEUE],
        hand_over,
        prefetch=settings.tracker.concurrency * 2,
        name=f"{HEARTBEAT_NAME}:results",
    )
    consumer.start()
    threads = [_loop("locks", settings.tracker.lock_check_interval_s, keeper.extend_due, stop)]
    for name, tracker in trackers.items():
        poller = SystemPoller(name, settings.systems[name], tracker, ledger, settler)
        threads.append(_loop(f"poll-{name}", settings.systems[name].poll_interval_s, poller.poll, stop))
    heartbeat = Heartbeat(settings.state_dir, HEARTBEAT_NAME)
    logger.info("task_tracker serving {}", ", ".join(served))
    while not stop.wait(1.0):
        heartbeat.beat(
            {"connected": consumer.is_connected, "tracked": len(keeper), "extended": keeper.extended}
        )
    consumer.stop(timeout=SHUTDOWN_TIMEOUT_S)
    pool.shutdown(wait=True, cancel_futures=True)
    for thread in threads:
        thread.join(timeout=SHUTDOWN_TIMEOUT_S)
    heartbeat.clear()
    client.close()
    ledger.close()
    logger.info("task_tracker stopped")


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


def _loop(
    name: str, interval_s: float, step: Callable[[], object], stop: threading.Event
) -> threading.Thread:
    """Run ``step`` every ``interval_s`` until stop; back off while the engine is away."""

    def body() -> None:
        backoff = Backoff(1.0, 60.0)
        while not stop.is_set():
            try:
                step()
                backoff.reset()
                wait = interval_s
            except CamundaUnavailable as err:
                wait = backoff.next_delay()
                logger.warning("{}: engine unavailable, next try in {:.1f}s: {}", name, wait, err)
            except Exception:
                logger.exception("{} failed; trying again in {:.0f}s", name, interval_s)
                wait = interval_s
            stop.wait(wait)

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    return thread
