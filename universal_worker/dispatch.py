"""From locked tasks to confirmed messages: route, record, build, publish — or unlock.

Every task handed to :meth:`Dispatcher.dispatch` ends in exactly one of two ways: its message
is confirmed by the broker, or the task is unlocked so it comes back (rule 2 of DESIGN).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from loguru import logger

from core.bpmn import BpmnCache, BpmnModel
from core.camunda import EnginePort, LockedTask
from core.config.models import SystemConfig
from core.errors import BpmnModelError, BrokerUnavailable, ExchangerError, XmlError
from core.ledger import Ledger, LedgerEntry, RoutedTask, TaskState
from core.logs import in_lines
from core.metrics.catalog import FETCH_TO_PUBLISH, TASKS_FETCHED, TASKS_PUBLISHED, TASKS_UNROUTED
from core.transport.base import MessagePublisher, OutgoingMessage
from core.transport.topology import TASKS_EXCHANGE
from universal_worker.enrich import activity_info, build_message
from universal_worker.routing import RouteDecision, Router, TaskFacts

# A re-fetched task whose message went out less than this many lock durations ago is taken to
# be still queued (or running); past that its message may be gone (a purged queue) and it is
# routed again, which the creator's claim and stored result make harmless.
QUEUED_TRUST_LOCKS = 3
# Tasks named in one "routed" log line. One line per fetched batch instead of one per task: a
# log line costs more than a ledger commit, and a task id still finds its line with grep.
ROUTED_PER_LINE = 50


@dataclass
class DispatchStats:
    routed: int = 0
    unlocked: int = 0
    refetched: int = 0  # tasks fetched again after their lock ran out while they were known
    suppressed: int = 0  # of those, still queued or running: not routed a second time
    by_system: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Route:
    task: LockedTask
    model: BpmnModel | None
    decision: RouteDecision
    system: SystemConfig
    started: float


@dataclass(frozen=True)
class _Prepared:
    task: LockedTask
    message: OutgoingMessage
    system: str
    started: float
    known: bool  # the ledger had it already: a re-fetch


class Dispatcher:
    def __init__(
        self,
        client: EnginePort,
        publisher: MessagePublisher,
        ledger: Ledger,
        router: Router,
        systems: dict[str, SystemConfig],
        cache: BpmnCache,
    ) -> None:
        self._client = client
        self._publisher = publisher
        self._ledger = ledger
        self._router = router
        self._systems = systems
        self._cache = cache
        self.stats = DispatchStats()
        self._unreadable: set[str] = set()

    def dispatch(self, tasks: Sequence[LockedTask]) -> None:
        """Publish every task or unlock it. Raises BrokerUnavailable after unlocking all of them."""
        for task in tasks:
            TASKS_FETCHED.labels(task.topic_name, task.tenant_id or "").inc()
        routes = [r for r in (self._route(task) for task in tasks) if r is not None]
        prepared = [p for p in self._record(routes) if p is not None]
        if not prepared:
            return
        try:
            results = self._publisher.publish_many([p.message for p in prepared])
        except BrokerUnavailable:
            for item in prepared:
                self._not_published(item, "broker unavailable")
            raise
        routed: list[_Prepared] = []
        for item, error in zip(prepared, results, strict=True):
            if error is None:
                self._routed(item)
                routed.append(item)
            else:
                self._not_published(item, f"publish failed: {error}")
        _log_routed(routed)

    def _route(self, task: LockedTask) -> _Route | None:
        """The task's system by the routing rules; a task no rule takes is unlocked."""
        started = time.perf_counter()
        try:
            model = self._model(task)
            facts = TaskFacts(
                topic=task.topic_name,
                process_key=task.process_definition_key,
                tenant_id=task.tenant_id,
                properties=activity_info(task, model).extension_properties,
            )
            decision = self._router.route(facts)
        except ExchangerError as err:  # e.g. the engine did not give us the BPMN
            self._unlock(task, f"could not prepare its message: {err}")
            return None
        if decision is None:
            TASKS_UNROUTED.labels(task.topic_name, task.tenant_id or "").inc()
            self._unlock(task, "no routing rule matches it")
            return None
        return _Route(task, model, decision, self._systems[decision.system], started)

    def _record(self, routes: Sequence[_Route]) -> list[_Prepared | None]:
        """Record the batch in the ledger in one transaction, then build each message.

        One commit per fetch instead of one per task; if the ledger refuses, nothing of the
        batch was recorded and every task of it is unlocked.
        """
        if not routes:
            return []
        fresh_ids = [str(uuid.uuid4()) for _ in routes]
        batch = [
            routed_task(r.task, fresh_id, r.decision.system, r.system)
            for r, fresh_id in zip(routes, fresh_ids, strict=True)
        ]
        try:
            entries = self._ledger.record_routed_many(batch)
        except ExchangerError as err:
            for route in routes:
                self._unlock(route.task, f"could not record it in the ledger: {err}")
            return []
        return [
            self._prepare(route, entry, known=entry.message_id != fresh_id)
            for route, entry, fresh_id in zip(routes, entries, fresh_ids, strict=True)
        ]

    def _prepare(self, route: _Route, entry: LedgerEntry, *, known: bool) -> _Prepared | None:
        task, decision = route.task, route.decision
        if known and self._still_queued(entry, route.system):
            return None
        try:
            message = build_message(
                task,
                route.model,
                message_id=entry.message_id,
                trace_id=entry.record_id,
                system=decision.system,
                rule_index=decision.rule_index,
                lock_duration_ms=route.system.lock_duration_ms,
            )
        except ExchangerError as err:
            self._unlock(task, f"could not prepare its message: {err}")
            return None
        return _Prepared(
            task,
            _outgoing(message.to_json(), task, entry.message_id, decision.system),
            decision.system,
            route.started,
            known,
        )

    def _still_queued(self, entry: LedgerEntry, system: SystemConfig) -> bool:
        """A re-fetch (its lock ran out): is its message still waiting, or its handler running?

        If so it is not routed again; the fetch has renewed its lock, which the queued message
        then uses. A task past ``routed`` goes out again so the creator re-emits its result.
        """
        self.stats.refetched += 1
        now = time.time()
        running = entry.claim_until is not None and entry.claim_until > now
        trust_s = QUEUED_TRUST_LOCKS * system.lock_duration_ms / 1000
        queued = entry.routed_at is not None and now - entry.routed_at < trust_s
        if entry.state is not TaskState.ROUTED or not (running or queued):
            logger.info("re-fetched task={} ({}): routed again", entry.external_task_id, entry.state)
            return False
        self.stats.suppressed += 1
        logger.info(
            "re-fetched task={} is still {}: not routed again",
            entry.external_task_id,
            "running" if running else "queued",
        )
        return True

    def _model(self, task: LockedTask) -> BpmnModel | None:
        """The definition's metadata; a BPMN we cannot read routes the task without it."""
        try:
            return self._cache.get(task.process_definition_id)
        except (XmlError, BpmnModelError) as err:
            if task.process_definition_id not in self._unreadable:
                self._unreadable.add(task.process_definition_id)
                logger.warning("no BPMN metadata for {}: {}", task.process_definition_id, err)
            return None

    def _routed(self, item: _Prepared) -> None:
        if item.known:
            self._ledger.mark_queued(item.task.id, True)
        self.stats.routed += 1
        self.stats.by_system[item.system] = self.stats.by_system.get(item.system, 0) + 1
        elapsed_s = time.perf_counter() - item.started
        TASKS_PUBLISHED.labels(item.system, item.task.topic_name, item.task.tenant_id or "").inc()
        FETCH_TO_PUBLISH.labels(item.system).observe(elapsed_s)

    def _not_published(self, item: _Prepared, reason: str) -> None:
        """Its message is not in the broker: say so in the ledger, so a re-fetch routes it."""
        try:
            self._ledger.mark_queued(item.task.id, False)
        except ExchangerError as err:
            logger.error("task={} not marked unqueued: {}", item.task.id, err)
        self._unlock(item.task, reason)

    def _unlock(self, task: LockedTask, reason: str) -> None:
        self.stats.unlocked += 1
        try:
            self._client.unlock(task.id)
            logger.warning("unlocked task={} topic={}: {}", task.id, task.topic_name, reason)
        except ExchangerError as err:
            # The lock is finite: the task comes back when it runs out.
            logger.error(
                "task={} could not be unlocked ({}); it returns when its lock expires: {}",
                task.id,
                err,
                reason,
            )


def routed_task(task: LockedTask, message_id: str, system_name: str, system: SystemConfig) -> RoutedTask:
    return RoutedTask(
        external_task_id=task.id,
        message_id=message_id,
        system=system_name,
        topic=task.topic_name,
        process_instance_id=task.process_instance_id,
        process_definition_key=task.process_definition_key,
        activity_id=task.activity_id,
        worker_id=task.worker_id,
        lock_duration_ms=system.lock_duration_ms,
    )


def _outgoing(body: bytes, task: LockedTask, message_id: str, system: str) -> OutgoingMessage:
    headers = {
        "exchanger-topic": task.topic_name,
        "exchanger-task-id": task.id,
        "exchanger-process-instance": task.process_instance_id,
        "exchanger-system": system,
    }
    return OutgoingMessage(TASKS_EXCHANGE, system, body, message_id, headers, True, "application/json")


def _log_routed(items: Sequence[_Prepared]) -> None:
    """One line per system and topic of the batch: each task with its instance, the slowest time."""
    now = time.perf_counter()
    for (topic, system), chunk in in_lines(
        items, lambda item: (item.task.topic_name, item.system), ROUTED_PER_LINE
    ):
        logger.info(
            "routed topic={} system={} tasks={} {:.0f}ms: {}",
            topic,
            system,
            len(chunk),
            (now - min(item.started for item in chunk)) * 1000,
            "; ".join(f"task={item.task.id} instance={item.task.process_instance_id}" for item in chunk),
        )
