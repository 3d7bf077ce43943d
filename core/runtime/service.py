"""One service's moving parts and their order: intake, pools, loops, heartbeat, shutdown.

A service declares what it consumes (queues and the pool their deliveries run on), its
background loops, periodic chores and what to close; :meth:`ServiceRuntime.run` starts them,
beats the heartbeat that ``--check`` reads, and on stop shuts down in the order DESIGN asks:
stop intake, let in-flight work finish within the timeout (the rest goes back to the broker
unacked), stop loops, close publishers, close connections and stores last.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from loguru import logger

from core.health import Heartbeat
from core.runtime.loops import run_every
from core.transport.base import Delivery, MessageConsumer, MessagePublisher, Transport

Status = Callable[[], Mapping[str, object]]
HEARTBEAT_EVERY_S = 1.0


@dataclass
class _Intake:
    consumer: MessageConsumer
    pool: ThreadPoolExecutor


@dataclass
class _Chore:
    every_s: float
    step: Callable[[], object]
    due: float
    at_stop: bool  # once more after everything stopped (final totals)


class ServiceRuntime:
    def __init__(
        self,
        name: str,
        transport: Transport,
        stop: threading.Event,
        heartbeat: Heartbeat,
        *,
        shutdown_timeout_s: float = 60.0,
    ) -> None:
        self.name = name
        self.stop = stop
        self._transport = transport
        self._heartbeat = heartbeat
        self._timeout_s = shutdown_timeout_s
        self._intakes: list[_Intake] = []
        self._loops: list[tuple[str, float, Callable[[], object], float]] = []
        self._threads: list[threading.Thread] = []
        self._chores: list[_Chore] = []
        self._closers: list[Callable[[], object]] = []
        self._publisher: MessagePublisher | None = None

    # -- declaring the parts ---------------------------------------------------------------

    def publisher(self) -> MessagePublisher:
        """The service's publisher, safe to use from any of its threads; closed at shutdown."""
        if self._publisher is None:
            self._publisher = self._transport.thread_publisher(self.name)
        return self._publisher

    def consume(
        self,
        label: str,
        queues: list[str],
        handle: Callable[[Delivery], None],
        *,
        concurrency: int,
        prefetch: int,
    ) -> None:
        """Hand every delivery of ``queues`` to ``handle`` on a pool of ``concurrency`` threads."""
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"{label}-handler")

        def hand_over(delivery: Delivery) -> None:
            pool.submit(handle, delivery)

        consumer = self._transport.consumer(queues, hand_over, prefetch=prefetch, name=f"{self.name}:{label}")
        self._intakes.append(_Intake(consumer, pool))

    def every(
        self, label: str, interval_s: float, step: Callable[[], object], *, jitter: float = 0.0
    ) -> None:
        """A background loop on its own thread (engine outages back off; ``jitter``: see run_every)."""
        self._loops.append((label, interval_s, step, jitter))

    def chore(self, every_s: float, step: Callable[[], object], *, at_stop: bool = False) -> None:
        """Something short the main thread does every ``every_s`` seconds, beside the heartbeat."""
        self._chores.append(_Chore(every_s, step, time.monotonic() + every_s, at_stop))

    def close_last(self, *closers: Callable[[], object]) -> None:
        """Close these after everything else, in reverse order of registration."""
        self._closers.extend(closers)

    @property
    def connected(self) -> bool:
        return all(intake.consumer.is_connected for intake in self._intakes)

    # -- running ---------------------------------------------------------------------------

    def run(self, status: Status, main: Callable[[], None] | None = None) -> None:
        """Start every part and serve until stop; ``main`` replaces the heartbeat loop (it beats itself)."""
        try:
            for intake in self._intakes:
                intake.consumer.start()
            self._threads = [
                run_every(label, every, step, self.stop, jitter) for label, every, step, jitter in self._loops
            ]
            logger.info("{} running", self.name)
            (main or (lambda: self.beat_until_stopped(status)))()
        finally:
            self._shut_down()

    def beat_until_stopped(self, status: Status) -> None:
        """Beat the heartbeat and run the chores until stop (a custom ``main`` may call it)."""
        while not self.stop.wait(HEARTBEAT_EVERY_S):
            self._heartbeat.beat(status())
            now = time.monotonic()
            for chore in self._chores:
                if now >= chore.due:
                    chore.due = now + chore.every_s
                    _quietly(chore.step)

    def _shut_down(self) -> None:
        self.stop.set()  # a crash in a part stops the others too
        for intake in self._intakes:
            # Stop intake first; the consumer keeps its connection while the pool settles in-flight work.
            intake.consumer.stop(timeout=self._timeout_s)
            intake.pool.shutdown(wait=True, cancel_futures=True)
        for thread in self._threads:
            thread.join(timeout=self._timeout_s)
        for chore in self._chores:
            if chore.at_stop:
                _quietly(chore.step)  # e.g. final totals, before the stores close
        self._heartbeat.clear()
        if self._publisher is not None:
            _quietly(self._publisher.close)
        for close in reversed(self._closers):
            _quietly(close)
        logger.info("{} stopped", self.name)


def _quietly(step: Callable[[], object]) -> None:
    try:
        step()
    except Exception:
        logger.exception("{} failed", getattr(step, "__qualname__", step))
