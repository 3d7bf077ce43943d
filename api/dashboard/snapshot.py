"""Assembles one snapshot from its sources; a source that fails blanks its own sections only.

Called once per tick by the hub, on the hub's thread, whatever the number of open pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from loguru import logger

from api.dashboard import runs, work
from api.dashboard.links import InstanceLinks
from api.dashboard.metrics_source import MetricsRead, MetricsSource
from api.dashboard.models import (
    CircuitState,
    Counts,
    Listing,
    QueueView,
    Snapshot,
    SystemView,
)
from api.dashboard.queues import QueueReader
from api.dashboard.readings import SystemNumbers
from core.camunda import EngineAdmin
from core.config import AppSettings
from core.errors import ExchangerError
from core.ledger import Ledger
from core.metrics.catalog import DASHBOARD_SNAPSHOT_SECONDS

T = TypeVar("T")
ROWS = 50  # per list; the totals say how many there are in all
RECENT_ROWS = 30
CIRCUITS: dict[int, CircuitState] = {0: "closed", 1: "half-open", 2: "open"}


def _guarded(read: Callable[[], T], what: str) -> tuple[T | None, str | None]:
    """``read()``, or None and a one-line reason; a bug is logged with its traceback, once per tick."""
    try:
        return read(), None
    except ExchangerError as err:
        return None, str(err)
    except Exception:
        logger.exception("dashboard: reading the {} failed", what)
        return None, f"reading the {what} failed (see the API's log)"


class SnapshotBuilder:
    def __init__(
        self,
        settings: AppSettings,
        engine: EngineAdmin,
        ledger: Ledger,
        queues: QueueReader,
        metrics: MetricsSource,
        interval_s: float,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._ledger = ledger
        self._queues = queues
        self._metrics = metrics
        self._interval_s = interval_s
        self._links = InstanceLinks(settings.systems)

    def build(self) -> Snapshot:
        with DASHBOARD_SNAPSHOT_SECONDS.time():
            return self._build()

    def _build(self) -> Snapshot:
        at = datetime.now(UTC)
        systems = list(self._settings.systems)
        executions, executions_error = _guarded(
            lambda: runs.executions(self._engine, self._links, ROWS), "executions"
        )
        incidents = _listing(*_guarded(lambda: runs.incidents(self._engine, self._links, ROWS), "incidents"))
        people = _listing(
            *_guarded(lambda: work.people_work(self._ledger, systems, self._links, ROWS), "ledger")
        )
        recent = _listing(*_guarded(lambda: work.recent_tasks(self._ledger, RECENT_ROWS), "ledger"))
        queues = _listing(*_guarded(self._queue_listing, "queues"))
        metrics, metrics_error = _guarded(self._metrics.read, "metrics")
        views = self._system_views(metrics)
        return Snapshot(
            at=at,
            environment=self._settings.environment,
            interval_s=self._interval_s,
            counts=Counts(
                running=executions.running if executions else None,
                suspended=executions.suspended if executions else None,
                incidents=None if incidents.error else incidents.total,
                in_flight=None if people.error else people.total,
                poison=_poison(queues),
                tasks_per_min=_total_rate(views),
            ),
            systems=views,
            metrics_targets=metrics.targets if metrics else [],
            metrics_error=metrics_error,
            queues=queues,
            work=people,
            incidents=incidents,
            executions=executions.listing if executions else _listing(None, executions_error),
            recent=recent,
        )

    def _queue_listing(self) -> Listing[QueueView]:
        views = self._queues.read()
        return Listing[QueueView](items=views, total=len(views))

    def _system_views(self, metrics: MetricsRead | None) -> list[SystemView]:
        found = metrics.systems if metrics else {}
        return [
            _system_view(name, system.kind, found.get(name))
            for name, system in self._settings.systems.items()
        ]


def _system_view(name: str, kind: str, numbers: SystemNumbers | None) -> SystemView:
    if numbers is None:
        return SystemView(name=name, kind=kind, has_data=False)
    return SystemView(
        name=name,
        kind=kind,
        has_data=True,
        tasks_per_min=numbers.tasks_per_min,
        calls_per_min=numbers.calls_per_min,
        error_share=numbers.error_share,
        circuit=CIRCUITS.get(numbers.circuit) if numbers.circuit is not None else None,
        headroom=numbers.headroom,
        tracked=numbers.tracked,
    )


def _listing(listing: Listing[T] | None, error: str | None) -> Listing[T]:
    return listing if listing is not None else Listing[T](error=error)


def _poison(queues: Listing[QueueView]) -> int | None:
    errors = [queue for queue in queues.items if queue.role == "errors"]
    return errors[0].messages if errors else None


def _total_rate(views: list[SystemView]) -> float | None:
    rates = [view.tasks_per_min for view in views if view.tasks_per_min is not None]
    return sum(rates) if rates else None
