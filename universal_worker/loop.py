"""The fetch loop: one long-polling fetchAndLock for all routed topics, forever.

It tells "engine down" (back off with jitter, say when it is back) from "no tasks" (the
long poll already waited), refreshes the fetch plan from topic discovery, and beats the
heartbeat that ``--check`` reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from loguru import logger

from core.camunda import EnginePort, FetchTopic, LockedTask
from core.config.models import WorkerConfig
from core.errors import BrokerError, CamundaError, CamundaUnavailable
from core.health import Heartbeat
from core.retry import Backoff
from universal_worker.backpressure import Backpressure
from universal_worker.dispatch import Dispatcher
from universal_worker.plan import FetchPlan, Planner

TOTALS_INTERVAL_S = 60.0
IDLE_PAUSE_S = 0.5  # between empty fetches when long polling is off
FULL_PAUSE_S = 0.5  # before looking again when every system's queue is full
#: With ``use_priority: auto``, fetches go by priority this long after a task with one was seen.
PRIORITY_MEMORY_S = 600.0


class FetchLoop:
    def __init__(
        self,
        *,
        worker_id: str,
        config: WorkerConfig,
        client: EnginePort,
        planner: Planner,
        dispatcher: Dispatcher,
        heartbeat: Heartbeat,
        stop: threading.Event,
        broker_probe: Callable[[], None],
        discovers: bool = True,
        backpressure: Backpressure | None = None,
    ) -> None:
        self._worker_id = worker_id
        self._config = config
        self._client = client
        self._planner = planner
        self._dispatcher = dispatcher
        self._heartbeat = heartbeat
        self._stop = stop
        self._broker_probe = broker_probe
        self._discovers = discovers  # some rule needs discovery (globs, conditions), not only exact topics
        self._backpressure = backpressure
        self._backoff = Backoff(0.5, 30.0)
        self._plan = FetchPlan(())
        self._planned_at = 0.0
        self._engine_down = False
        self._broker_down = False
        self._totals_at = time.monotonic()
        self._priority_seen_at: float | None = None
        self.fetches = 0

    def run(self) -> None:
        logger.info("fetch loop started as worker {}", self._worker_id)
        while not self._stop.is_set():
            self._heartbeat.beat(self._stats())
            try:
                self._iteration()
            except CamundaUnavailable as err:
                self._engine_unavailable(err)
            except CamundaError as err:
                logger.error("engine refused a request: {}", err)
                self._pause()
            except BrokerError as err:
                self._broker_unavailable(err)
            self._log_totals()
        self._heartbeat.clear()
        self._log_totals(final=True)
        logger.info("fetch loop stopped")

    def _iteration(self) -> None:
        if self._broker_down:
            self._broker_probe()  # raises BrokerError while the broker is still away
            self._broker_down = False
            logger.info("broker is reachable again")
        self._refresh_plan()
        if not self._plan.topics:
            self._stop.wait(min(self._config.topic_discovery_interval_s, 5.0))
            return
        topics, max_tasks = self._admitted()
        if not topics:
            self._stop.wait(FULL_PAUSE_S)
            return
        fetched_at = time.monotonic()
        tasks = self._client.fetch_and_lock(
            self._worker_id,
            topics,
            max_tasks=max_tasks,
            async_response_timeout_ms=self._long_poll_ms(),
            use_priority=self._use_priority(),
        )
        self.fetches += 1
        self._engine_back()
        if tasks:
            self._note_priorities(tasks)
            self._dispatcher.dispatch(tasks)
            if len(tasks) < max_tasks:
                self._gather(fetched_at)
        elif not self._config.async_response_timeout_ms:
            self._stop.wait(IDLE_PAUSE_S)

    def _use_priority(self) -> bool:
        setting = self._config.use_priority
        if setting != "auto":
            return bool(setting)
        seen = self._priority_seen_at
        return seen is not None and time.monotonic() - seen < PRIORITY_MEMORY_S

    def _note_priorities(self, tasks: list[LockedTask]) -> None:
        """Under ``auto``, a task with a priority turns ordering on (the batch that showed it
        was fetched unordered: the price of not sorting for everyone who sets none)."""
        if self._config.use_priority != "auto" or not any(task.priority for task in tasks):
            return
        if not self._use_priority():
            logger.info("tasks carry priorities: fetching by priority")
        self._priority_seen_at = time.monotonic()

    def _gather(self, fetched_at: float) -> None:
        """A partial batch means light load: let the next tasks gather so one fetch takes several.

        Counted from when the last fetch was sent, so a slow fetch or dispatch waits less; a
        full batch (a backlog) and an empty long poll do not wait at all.
        """
        remaining = self._config.fetch_gather_ms / 1000 - (time.monotonic() - fetched_at)
        if remaining > 0 and not self._stop.is_set():
            self._stop.wait(remaining)

    def _admitted(self) -> tuple[tuple[FetchTopic, ...], int]:
        """The topics whose systems have room, and how many tasks to ask for."""
        if self._backpressure is None:
            return self._plan.topics, self._config.max_tasks
        names, max_tasks = self._backpressure.admit(self._plan.systems_of, self._config.max_tasks)
        return tuple(t for t in self._plan.topics if t.topic_name in names), max_tasks

    def _long_poll_ms(self) -> int | None:
        """The long poll may not outlast discovery: a new topic is only fetched once it is planned."""
        if not self._config.async_response_timeout_ms:
            return None
        if not self._discovers:
            return self._config.async_response_timeout_ms
        return min(
            self._config.async_response_timeout_ms, int(self._config.topic_discovery_interval_s * 1000)
        )

    def _refresh_plan(self) -> None:
        if time.monotonic() - self._planned_at < self._config.topic_discovery_interval_s and self._planned_at:
            return
        discovered = self._client.topic_names(with_unlocked=True)
        plan = self._planner.plan(discovered)
        if plan.topic_names != self._plan.topic_names:
            logger.info("fetching topics: {}", ", ".join(plan.topic_names) or "(none)")
        self._plan = plan
        self._planned_at = time.monotonic()
        self._engine_back()  # the engine answered; with nothing to fetch, no fetch would tell

    def _engine_unavailable(self, err: CamundaUnavailable) -> None:
        if not self._engine_down:
            logger.error("engine unavailable, backing off: {}", err)
            self._engine_down = True
        self._pause()

    def _engine_back(self) -> None:
        if self._engine_down:
            logger.info("engine is back")
            self._engine_down = False
        self._backoff.reset()

    def _broker_unavailable(self, err: BrokerError) -> None:
        if not self._broker_down:
            logger.error("broker unavailable, not fetching until it is back: {}", err)
            self._broker_down = True
        self._pause()

    def _pause(self) -> None:
        self._stop.wait(self._backoff.next_delay())

    def _stats(self) -> dict[str, object]:
        stats = self._dispatcher.stats
        return {
            "routed": stats.routed,
            "unlocked": stats.unlocked,
            "refetched": stats.refetched,
            "suppressed": stats.suppressed,
            "fetches": self.fetches,
            "engine_down": self._engine_down,
            "broker_down": self._broker_down,
        }

    def _log_totals(self, *, final: bool = False) -> None:
        if not final and time.monotonic() - self._totals_at < TOTALS_INTERVAL_S:
            return
        self._totals_at = time.monotonic()
        stats = self._dispatcher.stats
        paused = self._backpressure.paused if self._backpressure else 0
        logger.info(
            "totals: routed={} unlocked={} re-fetched={} duplicates suppressed={} full-queue pauses={}"
            " by system {}",
            stats.routed,
            stats.unlocked,
            stats.refetched,
            stats.suppressed,
            paused,
            stats.by_system,
        )
