"""Metrics read at scrape time: ledger records per state, tracked work, queue depths from the broker.

Each is a collector registered for the life of a service (``unregister`` at shutdown, so a
second service in one test process does not collide). Reads are cached for ``ttl_s`` so a
scrape storm cannot load the ledger or the broker.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Generic, TypeVar

from loguru import logger
from prometheus_client import REGISTRY
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.errors import ExchangerError
from core.ledger import Ledger, TaskState
from core.transport.admin import QueueGauge, QueueStats
from core.transport.settings import BrokerSettings

T = TypeVar("T")
CACHE_S = 5.0


class _Cached(Generic[T]):
    """The last good reading of ``read``, fresh for ``ttl_s``; a failed read keeps nothing."""

    def __init__(self, read: Callable[[], T], ttl_s: float) -> None:
        self._read = read
        self._ttl_s = ttl_s
        self._value: T | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None or time.monotonic() - self._at >= self._ttl_s:
                self._value, self._at = self._read(), time.monotonic()
            return self._value


class LedgerStates(Collector):
    """``exchanger_ledger_records{state}`` from the ledger's own count."""

    def __init__(self, counts: Callable[[], dict[str, int]], ttl_s: float = CACHE_S) -> None:
        self._counts = _Cached(counts, ttl_s)

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("exchanger_ledger_records", "Ledger records per state", labels=["state"])
        try:
            counts = self._counts.get()
        except ExchangerError as err:
            logger.warning("metrics: cannot count ledger records: {}", err)
            return
        for state, count in sorted(counts.items()):
            family.add_metric([state], count)
        yield family


class TrackedWork(Collector):
    """``exchanger_tracked_in_flight{system}`` and ``exchanger_tracked_oldest_age_seconds{system}``.

    People-work being followed is what the ledger holds as ``tracked``; its age counts from
    the record's creation (the task's first fetch, or its submission).
    """

    def __init__(self, ledger: Ledger, systems: Iterable[str], ttl_s: float = CACHE_S) -> None:
        self._systems = sorted(set(systems))
        self._summary = _Cached(lambda: ledger.oldest_by_system(TaskState.TRACKED), ttl_s)

    def collect(self) -> Iterator[Metric]:
        count = GaugeMetricFamily(
            "exchanger_tracked_in_flight", "People-work being followed", labels=["system"]
        )
        age = GaugeMetricFamily(
            "exchanger_tracked_oldest_age_seconds",
            "Age of the oldest people-work being followed",
            labels=["system"],
        )
        try:
            summary = self._summary.get()
        except ExchangerError as err:
            logger.warning("metrics: cannot read tracked work: {}", err)
            return
        now = datetime.now(UTC)
        for system in self._systems:  # a system with nothing in flight reads 0, not "absent"
            in_flight, oldest = summary.get(system, (0, now))
            count.add_metric([system], in_flight)
            age.add_metric([system], max(0.0, (now - oldest).total_seconds()))
        yield count
        yield age


class QueueDepths(Collector):
    """``exchanger_queue_messages{queue}`` and ``exchanger_queue_consumers{queue}`` by passive declare."""

    def __init__(self, settings: BrokerSettings, queues: Iterable[str], ttl_s: float = CACHE_S) -> None:
        self._queues = sorted(set(queues))
        self._gauge = QueueGauge(settings, "exchanger-metrics")
        self._stats = _Cached(self._read, ttl_s)

    def _read(self) -> dict[str, QueueStats]:
        try:
            return self._read_once()
        except ExchangerError:  # an idle connection the broker dropped: the gauge reconnects, once
            return self._read_once()

    def _read_once(self) -> dict[str, QueueStats]:
        stats = {queue: self._gauge(queue) for queue in self._queues}
        return {queue: stat for queue, stat in stats.items() if stat is not None}

    def reachable(self) -> str:
        """For readiness: how many queues the broker answered for (raises when it cannot be reached)."""
        return f"{len(self._stats.get())} queues"

    def collect(self) -> Iterator[Metric]:
        messages = GaugeMetricFamily("exchanger_queue_messages", "Ready messages per queue", labels=["queue"])
        consumers = GaugeMetricFamily("exchanger_queue_consumers", "Consumers per queue", labels=["queue"])
        try:
            stats = self._stats.get()
        except ExchangerError as err:
            logger.warning("metrics: cannot read queue depths: {}", err)
            return
        for queue, stat in stats.items():
            messages.add_metric([queue], stat.messages)
            consumers.add_metric([queue], stat.consumers)
        yield messages
        yield consumers

    def close(self) -> None:
        self._gauge.close()


def register(collector: Collector) -> Callable[[], None]:
    """Register ``collector`` with the default registry; the returned call takes it back out.

    A second service of the same kind in one process (tests do that) finds the names taken:
    the first one's collector keeps reporting, and this one is left out.
    """
    try:
        REGISTRY.register(collector)
    except ValueError as err:
        logger.debug("metrics: {} not registered: {}", type(collector).__name__, err)
        return lambda: None

    def unregister() -> None:
        with contextlib.suppress(KeyError):  # already out
            REGISTRY.unregister(collector)

    return unregister
