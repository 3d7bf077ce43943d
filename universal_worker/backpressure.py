"""Backpressure: lock no more tasks for a system than its creators can start within the lock.

The lock clock starts at fetch, so a task that waits in ``<system>.queue`` longer than its lock
is fetched again by someone. The rule, per system, before every fetch:

    room = limit - ready messages in <system>.queue          (passive declare: depth, consumers)
    limit = max(consumers × prefetch, drain rate × lock × START_SHARE)

The drain rate is observed, not configured: how fast the queue empties while it never ran dry
(then the consumers, not the arrivals, set the pace), smoothed over samples; a queue that ran
dry shows only a lower bound (what left it beyond the consumers' prefetch buffers was surely
started), which may raise the estimate but never lower it. Until a rate is known the limit is what the consumers' prefetch windows hold. A queue without consumers has no
room: nobody would start those tasks, so they stay unlocked in the engine until a creator comes
(``worker.backpressure: false`` turns the rule off, for a worker deliberately run alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from loguru import logger

from core.config.models import SystemConfig
from core.transport.admin import QueueStats
from core.transport.topology import system_queue

START_SHARE = 0.5  # start each task within half its lock; the other half is for running it
SAMPLE_EVERY_S = 1.0
SMOOTHING = 0.3  # weight of a new drain-rate sample

QueueProbe = Callable[[str], QueueStats | None]  # base queue name → depth and consumers
RoutedCount = Callable[[str], int]  # system → tasks routed to it so far


@dataclass
class _Sample:
    at: float
    depth: int
    routed: int


@dataclass
class _Drain:
    last: _Sample | None = None
    rate: float | None = None  # tasks per second the consumers take off the queue


class Backpressure:
    def __init__(
        self,
        probe: QueueProbe,
        systems: Mapping[str, SystemConfig],
        routed: RoutedCount,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._systems = systems
        self._routed = routed
        self._clock = clock
        self._drains: dict[str, _Drain] = {}
        self._unconsumed: set[str] = set()
        self.paused = 0  # fetches skipped because every fetched system was full

    def room(self, system: str) -> int | None:
        """How many more tasks ``system`` can take now; None when there is nothing to go by."""
        stats = self._probe(system_queue(system))
        if stats is None:  # not declared: nothing to go by (its publish fails and unlocks anyway)
            return None
        if stats.consumers == 0:
            self._warn_unconsumed(system)
            return 0
        if system in self._unconsumed:
            self._unconsumed.discard(system)
            logger.info("{} has a consumer again: fetching its tasks", system_queue(system))
        config = self._systems[system]
        buffers = stats.consumers * config.effective_prefetch  # delivered, not necessarily started
        rate = self._observe(system, stats.messages, buffers)
        limit = buffers
        if rate is not None:
            limit = max(limit, int(rate * config.lock_duration_ms / 1000 * START_SHARE))
        return max(limit - stats.messages, 0)

    def admit(self, systems_of: Mapping[str, tuple[str, ...]], max_tasks: int) -> tuple[set[str], int]:
        """Topics with room and the fetch size: at most ``max_tasks``, at most the room they share."""
        rooms = {system: self.room(system) for system in {s for names in systems_of.values() for s in names}}
        admitted: set[str] = set()
        total = 0
        for topic, systems in systems_of.items():
            known = [room for s in systems if (room := rooms[s]) is not None]
            if not known:  # nothing to go by: as many as one fetch takes
                admitted.add(topic)
                total = max_tasks
            elif min(known) > 0:
                admitted.add(topic)
                total += min(known)
        if not admitted:
            self.paused += 1
        return admitted, min(max_tasks, total)

    def rate(self, system: str) -> float | None:
        drain = self._drains.get(system)
        return drain.rate if drain else None

    def _observe(self, system: str, depth: int, buffers: int) -> float | None:
        drain = self._drains.setdefault(system, _Drain())
        now = self._clock()
        sample = _Sample(now, depth, self._routed(system))
        last = drain.last
        if last is None:
            drain.last = sample
            return drain.rate
        elapsed = now - last.at
        if elapsed < SAMPLE_EVERY_S:
            return drain.rate
        drain.last = sample
        taken = last.depth + (sample.routed - last.routed) - depth
        observed = max(taken, 0) / elapsed
        if last.depth > 0 and depth > 0:  # busy all along: the consumers set the pace
            drain.rate = observed if drain.rate is None else drain.rate + SMOOTHING * (observed - drain.rate)
        else:  # it ran dry: what left beyond the prefetch buffers was surely started
            started = max(taken - buffers, 0) / elapsed
            if started > (drain.rate or 0.0):
                drain.rate = started
        return drain.rate

    def _warn_unconsumed(self, system: str) -> None:
        if system in self._unconsumed:
            return
        self._unconsumed.add(system)
        logger.warning(
            "{} has no consumer: its tasks are not fetched until a creator serves it", system_queue(system)
        )
