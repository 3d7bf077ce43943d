"""Completing an immediate task in the engine from the creator, one confirmed hop short.

An immediate system's answer is final when the handler returns, so the creator completes the
engine task itself instead of handing a result record to the tracker: one persistent message,
its confirm, its delivery and its ack less per task (``creator.complete_in_engine``). Only the
plain case is taken here: an engine task whose outcome is ``complete``. Whatever else may happen
is the tracker's, which knows it already: a failure, a BPMN error, a tracked work item, a direct
task, and any engine answer but success (a 404 may mean "cancelled", a 5xx wants backoff). Such
a result goes to ``<system>.sent.queue`` as before.

The ledger holds the result before the engine is called, and the delivery is acked only after
the engine took it (or the record was confirmed), so a crash in between redelivers the task: the
stored result is re-emitted to the tracker, which finds the task gone and the engine's log
showing it completed. The ledger's final mark follows in a group (``task_creator.marks``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from loguru import logger

from core.camunda import EnginePort
from core.contracts import CompleteOutcome, ResultMessage
from core.contracts.result import engine_values
from core.errors import CamundaError, CamundaUnavailable
from core.ledger import LedgerEntry
from core.metrics.settlements import record_settlement
from task_creator.marks import PendingMarks

# After the engine could not be reached, results go to the tracker for this long before the
# creator tries again: the tracker waits with backoff, and no task pays a connect timeout meanwhile.
UNREACHABLE_PAUSE_S = 30.0


class EngineCompletion:
    def __init__(
        self, client: EnginePort, marks: PendingMarks, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._marks = marks
        self._clock = clock
        self._paused_until = 0.0
        self._guard = threading.Lock()

    def takes(self, result: ResultMessage, entry: LedgerEntry) -> bool:
        """Whether :meth:`complete` would call the engine for this result (the plain case, engine reachable)."""
        if not isinstance(result.outcome, CompleteOutcome) or entry.is_direct or result.origin == "direct":
            return False
        return _worker_id(result, entry) is not None and not self._paused()

    def complete(self, result: ResultMessage, entry: LedgerEntry) -> bool:
        """True when the engine completed the task; False leaves the result to the tracker."""
        outcome, worker_id = result.outcome, _worker_id(result, entry)
        if not isinstance(outcome, CompleteOutcome) or worker_id is None or not self.takes(result, entry):
            return False
        task_id = result.external_task_id
        try:
            self._client.complete(task_id, worker_id, engine_values(outcome.variables))
        except CamundaUnavailable as err:
            self._pause(err)
            return False
        except CamundaError as err:
            logger.info("task={} left to the tracker, the engine answered: {}", task_id, err)
            return False
        self._marks.add(task_id)
        record_settlement(result, entry, "completed")
        return True

    def _paused(self) -> bool:
        with self._guard:
            return self._clock() < self._paused_until

    def _pause(self, err: CamundaUnavailable) -> None:
        with self._guard:
            first = self._clock() >= self._paused_until
            self._paused_until = self._clock() + UNREACHABLE_PAUSE_S
        if first:
            logger.warning(
                "engine unreachable ({}): results go to the tracker for the next {:.0f}s",
                err,
                UNREACHABLE_PAUSE_S,
            )


def _worker_id(result: ResultMessage, entry: LedgerEntry) -> str | None:
    """The worker holding the lock now: the ledger's (the latest fetch), else the message's."""
    return entry.worker_id or (result.task.worker_id if result.task else None) or None
