"""Settling one result in the engine: complete, failure (incident), BPMN error — or note why not.

This is the only place that changes external tasks in the engine. Outcomes:
``CamundaNotFound`` (the task is gone: finished by another copy, or cancelled) goes to
``task_tracker.gone``, which finds out which; ``CamundaConflict`` (locked by another worker)
is recorded and reported, not retried; ``CamundaUnavailable`` propagates so the caller
retries with backoff. While a settling call is under way its task id is in ``Settling``, so
a 404 that lock keeping meets meanwhile is not mistaken for a cancellation.
"""

from __future__ import annotations

from collections.abc import Callable

from loguru import logger

from core.camunda import EnginePort
from core.contracts import (
    AliveOutcome,
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TrackedOutcome,
)
from core.contracts.result import engine_values
from core.errors import CamundaConflict, CamundaNotFound, ContractError
from core.ledger import FINAL_STATES, Ledger, LedgerEntry, TaskState
from core.metrics.settlements import record_settlement
from core.tracking import TrackedItem
from task_tracker.gone import Settling, Verdict

DEFAULT_MAX_RETRIES = 3
DEFAULT_LOCK_MS = 300_000  # an alive record that names no lock length
RETRY_TIMEOUT_MS = 30_000

GoneHook = Callable[[str, str], Verdict]  # (task id, engine's message) → what it meant
TrackedHook = Callable[[LedgerEntry], None]
DirectHook = Callable[[ResultMessage], str]  # settles a direct task (task_tracker.direct)


class Settler:
    def __init__(
        self,
        client: EnginePort,
        ledger: Ledger,
        *,
        on_gone: GoneHook | None = None,
        settling: Settling | None = None,
        on_tracked: TrackedHook | None = None,
        direct: DirectHook | None = None,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._on_gone = on_gone
        self._settling = settling or Settling()
        self._on_tracked = on_tracked
        self._direct = direct

    def settle(self, result: ResultMessage) -> str:
        """Apply ``result``; returns what happened (completed, failed, bpmn_error, tracked, …)."""
        entry = self._ledger.get(result.external_task_id)
        what = self._settle(result, entry)
        record_settlement(result, entry, what)
        return what

    def _settle(self, result: ResultMessage, entry: LedgerEntry | None) -> str:
        task_id = result.external_task_id
        if result.origin == "direct" or (entry is not None and entry.is_direct):
            if self._direct is None:
                raise ContractError(f"task {task_id} is a direct task and this tracker settles none")
            return self._direct(result)  # checks its own record: a duplicate result changes nothing
        if entry is not None and entry.state in FINAL_STATES:
            logger.info("task={} already settled as {}: nothing to do", task_id, entry.state)
            return "duplicate"
        worker_id = _worker_id(entry, result)
        try:
            with self._settling.hold(task_id):
                return self._apply(result, entry, worker_id)
        except CamundaNotFound as err:  # raised out of the hold: this call is over
            return self._gone(task_id, err)
        except CamundaConflict as err:
            logger.error("task={} not settled, the engine refused: {}", task_id, err.engine_message)
            if entry is not None:
                self._ledger.mark(task_id, entry.state, error=f"conflict: {err.engine_message}")
            return "conflict"

    def _apply(self, result: ResultMessage, entry: LedgerEntry | None, worker_id: str) -> str:
        outcome = result.outcome
        task_id = result.external_task_id
        if isinstance(outcome, TrackedOutcome):
            if entry is not None:
                if not self._ledger.record_external(task_id, outcome.reference.id, outcome.reference.url):
                    return "duplicate"  # settled meanwhile by the copy that arrived first
                self._ledger.mark(task_id, TaskState.TRACKED)
                if self._on_tracked:
                    self._on_tracked(self._ledger.get(task_id) or entry)
            return "tracked"
        if isinstance(outcome, AliveOutcome):
            return self._extend(result, outcome, entry, worker_id)
        if isinstance(outcome, CompleteOutcome):
            self._client.complete(task_id, worker_id, engine_values(outcome.variables))
            return self._done(task_id, TaskState.COMPLETED, "completed")
        if isinstance(outcome, BpmnErrorOutcome):
            return self._bpmn_error(result, outcome, worker_id)
        return self._failure(result, outcome, worker_id)

    def _extend(
        self, result: ResultMessage, outcome: AliveOutcome, entry: LedgerEntry | None, worker_id: str
    ) -> str:
        """A long action is still at work: its lock lives on, nothing else changes."""
        duration = outcome.lock_duration_ms or (entry.lock_duration_ms if entry else None)
        self._client.extend_lock(result.external_task_id, worker_id, duration or DEFAULT_LOCK_MS)
        return "extended"

    def _bpmn_error(self, result: ResultMessage, outcome: BpmnErrorOutcome, worker_id: str) -> str:
        task_id = result.external_task_id
        ref = result.task
        caught = ref is not None and (
            bool(ref.catches_all_errors) or outcome.code in (ref.caught_error_codes or [])
        )
        if caught:
            self._client.bpmn_error(
                task_id,
                worker_id,
                error_code=outcome.code,
                error_message=outcome.message,
                variables=engine_values(outcome.variables),
            )
            return self._done(task_id, TaskState.BPMN_ERROR, "bpmn_error")
        activity = ref.activity_id if ref else "?"
        message = f"BPMN error {outcome.code} is not caught by activity {activity}"
        if outcome.message:
            message += f": {outcome.message}"
        self._client.failure(
            task_id, worker_id, error_message=message, error_details=outcome.message, retries=0
        )
        return self._done(task_id, TaskState.FAILED, "incident")

    def _failure(self, result: ResultMessage, outcome: FailureOutcome, worker_id: str) -> str:
        task_id = result.external_task_id
        retries = 0
        if outcome.retryable:
            known = result.task.retries if result.task else None
            retries = max((known if known is not None else DEFAULT_MAX_RETRIES) - 1, 0)
        self._client.failure(
            task_id,
            worker_id,
            error_message=outcome.message,
            error_details=outcome.details,
            retries=retries,
            retry_timeout_ms=RETRY_TIMEOUT_MS if retries else 0,
        )
        return self._done(task_id, TaskState.FAILED, "incident" if retries == 0 else "failed-will-retry")

    def _done(self, task_id: str, state: TaskState, label: str) -> str:
        self._ledger.mark(task_id, state)
        return label

    def _gone(self, task_id: str, err: CamundaNotFound) -> str:
        if self._on_gone is None:
            logger.warning("task={} is gone from the engine: {}", task_id, err.engine_message)
            return "gone"
        verdict = self._on_gone(task_id, err.engine_message or "task gone from the engine")
        return {Verdict.DONE: "duplicate", Verdict.CANCELLED: "cancelled"}.get(verdict, "gone")


def _worker_id(entry: LedgerEntry | None, result: ResultMessage) -> str:
    """The worker that holds the lock now: the ledger knows the latest fetch, the message the first."""
    if entry is not None and entry.worker_id:
        return entry.worker_id
    if result.task is not None and result.task.worker_id:
        return result.task.worker_id
    raise ContractError(f"task {result.external_task_id} is unknown here and the message names no worker_id")


def tracked_item(entry: LedgerEntry, *, answers_gateway: bool = False) -> TrackedItem:
    return TrackedItem(
        external_task_id=entry.external_task_id,
        external_id=entry.external_id or "",
        external_url=entry.external_url,
        process_instance_id=entry.process_instance_id,
        activity_id=entry.activity_id,
        topic=entry.topic,
        answers_gateway=answers_gateway,
    )
