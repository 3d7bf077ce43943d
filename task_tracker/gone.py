"""Why the engine no longer knows a task: it finished, or it was cancelled.

A 404 on extendLock or complete does not by itself mean "cancelled": another copy of the task
(a re-fetch, another tracker) may have completed it a moment ago. Only a real cancellation
may mark the ledger ``cancelled`` and tell the tracked system (which then defers the work item).
The evidence, in order: this process is settling the task right now; the ledger says it
reached a final state; the engine's external task log (success or deletion); the activity's
history (ended normally, or cancelled) where the log is not kept (history level below full).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from loguru import logger

from core.camunda import TaskHistory
from core.ledger import FINAL_STATES, Ledger, LedgerEntry, TaskState


class Verdict(StrEnum):
    DONE = "done"  # completed or ended by a BPMN error: nothing to tell anyone
    CANCELLED = "cancelled"  # the instance was deleted or the activity interrupted
    UNKNOWN = "unknown"  # no evidence either way: leave the ledger and the system alone


class Settling:
    """Task ids whose settling this process has under way (thread-safe)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, external_task_id: str) -> Iterator[None]:
        with self._guard:
            self._ids.add(external_task_id)
        try:
            yield
        finally:
            with self._guard:
                self._ids.discard(external_task_id)

    def __contains__(self, external_task_id: object) -> bool:
        with self._guard:
            return external_task_id in self._ids


class GoneTasks:
    """Decides what a task the engine no longer knows means, and acts on it once."""

    def __init__(
        self,
        history: TaskHistory,
        ledger: Ledger,
        settling: Settling,
        on_cancelled: Callable[[LedgerEntry], None],
    ) -> None:
        self._history = history
        self._ledger = ledger
        self._settling = settling
        self._on_cancelled = on_cancelled

    def task_gone(self, external_task_id: str, reason: str) -> Verdict:
        """Resolve and record; the cancel hook runs only for a real cancellation, and only once.

        Raises CamundaUnavailable when the engine cannot be asked (the caller tries again later).
        """
        entry = self._ledger.get(external_task_id)
        verdict = self.verdict(external_task_id, entry)
        if entry is None:
            return verdict
        if verdict is Verdict.CANCELLED:
            if self._ledger.mark(external_task_id, TaskState.CANCELLED, error=reason):
                logger.warning("task={} was cancelled in the engine: {}", external_task_id, reason)
                if entry.external_id:
                    self._on_cancelled(entry)
        elif verdict is Verdict.DONE:
            if entry.state not in FINAL_STATES and external_task_id not in self._settling:
                self._ledger.mark(external_task_id, TaskState.COMPLETED, error="settled by another copy")
            logger.info("task={} is finished in the engine; not a cancellation", external_task_id)
        else:
            logger.warning(
                "task={} is gone from the engine and its history does not say why: left as {}",
                external_task_id,
                entry.state,
            )
        return verdict

    def verdict(self, external_task_id: str, entry: LedgerEntry | None) -> Verdict:
        if external_task_id in self._settling:
            return Verdict.DONE
        if entry is not None and entry.state in FINAL_STATES:
            return Verdict.CANCELLED if entry.state is TaskState.CANCELLED else Verdict.DONE
        from_log = self._from_task_log(external_task_id)
        if from_log is not None or entry is None:
            return from_log or Verdict.UNKNOWN
        return self._from_activity_history(entry)

    def _from_task_log(self, external_task_id: str) -> Verdict | None:
        rows = self._history.external_task_log(external_task_id)
        if any(row.get("successLog") for row in rows):
            return Verdict.DONE
        if any(row.get("deletionLog") for row in rows):
            return Verdict.CANCELLED
        return None

    def _from_activity_history(self, entry: LedgerEntry) -> Verdict:
        rows = self._history.history_activity_instances_of(entry.process_instance_id, entry.activity_id)
        if not rows or rows[-1].get("endTime") is None:
            return Verdict.UNKNOWN
        return Verdict.CANCELLED if rows[-1].get("canceled") else Verdict.DONE
