"""The ledger's final marks of tasks this creator completed in the engine, written in groups.

Once the engine has taken a completion, the ledger's ``completed`` is bookkeeping: the result
is stored already (so a redelivery re-emits instead of running the handler again), and the
engine will not hand the task out again. A commit per task for it cost 84 CPU-µs on SQLite
and a round trip with a synced commit on PostgreSQL (``tools.bench.ledger_marks``), so the
marks wait here and go to the ledger together, every ``FLUSH_EVERY_S`` and at shutdown.

Until its mark is written the task keeps its creator's claim. A creator that dies before a
flush leaves those tasks in ``result`` under claims that run out; any creator of the system then
sends their results to the tracker (``task_creator.leftovers``), which finds each task gone from
the engine and marks it from the engine's history.
"""

from __future__ import annotations

import threading

from loguru import logger

from core.errors import LedgerError
from core.ledger import Ledger, TaskState

FLUSH_EVERY_S = 0.1  # the longest a completed task shows as "result" in the ledger


class PendingMarks:
    """Task ids completed in the engine whose ledger mark has not been written yet."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def add(self, external_task_id: str) -> None:
        with self._lock:
            self._ids.append(external_task_id)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._ids)

    def flush(self) -> int:
        """Write every waiting mark in one transaction; on a ledger error keep them for the next flush."""
        with self._lock:
            ids, self._ids = self._ids, []
        if not ids:
            return 0
        try:
            return self._ledger.mark_many(ids, TaskState.COMPLETED)
        except LedgerError as err:
            with self._lock:
                self._ids[:0] = ids
            logger.error("{} completed tasks not yet marked in the ledger; trying again: {}", len(ids), err)
            return 0
