"""Keeps the engine's locks of tracked tasks alive while people work on them.

Each lock is extended at half its life. After a restart the picture is rebuilt from the
ledger and every tracked lock is extended at once. A lock that already expired cannot be
extended: the worker then fetches the task again and the creator re-emits its tracked
result, which brings it back here.

With several sets of services on one ledger (several hosts), each tracker keeps only the locks
its own set's worker holds (the entry's ``worker_id``): the lock running out is how the other
set learns that a set died. Its worker then fetches the task again, the ledger records the new
worker id, and from the next :meth:`LockKeeper.sync` on that set's tracker keeps the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from core.camunda import EnginePort
from core.errors import CamundaConflict, CamundaError, CamundaNotFound, CamundaUnavailable
from core.ledger import Ledger, LedgerEntry, TaskState
from core.metrics.catalog import LOCK_EXTENSIONS, LOCK_LOSSES

DEFAULT_LOCK_MS = 600_000


@dataclass
class _Lock:
    system: str
    worker_id: str
    duration_ms: int
    due: float


class LockKeeper:
    def __init__(
        self,
        client: EnginePort,
        ledger: Ledger,
        *,
        tracked_systems: set[str],
        on_gone: Callable[[str, str], object],
        worker_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``worker_id``: keep only the locks this worker holds (None: every worker's)."""
        self._client = client
        self._worker_id = worker_id
        self._ledger = ledger
        self._systems = tracked_systems
        self._on_gone = on_gone
        self._clock = clock
        self._locks: dict[str, _Lock] = {}
        # Locks given up on (gone, or lost to another worker), by the worker id they had: sync
        # leaves them be until the task comes back (``add``) or another worker fetched it.
        self._dropped: dict[str, str] = {}
        self._guard = threading.Lock()
        self.extended = 0

    def rebuild(self) -> int:
        """Load this worker's tracked tasks from the ledger; their locks are extended on the next pass."""
        return self.sync()

    def sync(self) -> int:
        """Take up this worker's tracked tasks not kept yet; let go of those another worker took.

        Runs at start and before every pass: with several trackers on one result queue, another
        tracker may have settled the tracked result of a task this set's worker fetched. Returns
        how many tracked tasks are this worker's.
        """
        mine = 0
        tracked = self._ledger.in_states(None, [TaskState.TRACKED])
        with self._guard:  # a dropped task that left the tracked state needs no memory
            still = {entry.external_task_id for entry in tracked}
            self._dropped = {k: v for k, v in self._dropped.items() if k in still}
        for entry in tracked:
            if entry.system not in self._systems or entry.is_direct:  # a direct task holds no engine lock
                continue
            task_id = entry.external_task_id
            with self._guard:
                kept = self._locks.get(task_id)
                dropped = self._dropped.get(task_id) == entry.worker_id
            if not self._owns(entry):
                if kept is not None:
                    self.forget(task_id)
                    logger.info(
                        "task={} was fetched again by {}: its lock is theirs", task_id, entry.worker_id
                    )
                continue
            mine += 1
            if not dropped and (kept is None or kept.worker_id != entry.worker_id):
                self.add(entry, due_now=True)
        return mine

    def add(self, entry: LedgerEntry, *, due_now: bool = False) -> None:
        if entry.is_direct or not self._owns(entry):
            return
        duration = entry.lock_duration_ms or DEFAULT_LOCK_MS
        due = self._clock() + (0 if due_now else duration / 2000)
        with self._guard:
            self._locks[entry.external_task_id] = _Lock(entry.system, entry.worker_id, duration, due)
            self._dropped.pop(entry.external_task_id, None)

    def _owns(self, entry: LedgerEntry) -> bool:
        return self._worker_id is None or entry.worker_id == self._worker_id

    def forget(self, external_task_id: str) -> None:
        with self._guard:
            self._locks.pop(external_task_id, None)

    def _drop(self, external_task_id: str, lock: _Lock) -> None:
        with self._guard:
            self._locks.pop(external_task_id, None)
            self._dropped[external_task_id] = lock.worker_id

    def __len__(self) -> int:
        return len(self._locks)

    def keep_alive(self) -> None:
        """One pass of the tracker's lock loop: :meth:`sync`, then :meth:`extend_due`."""
        self.sync()
        self.extend_due()

    def extend_due(self) -> None:
        """Extend every lock at or past half its life. Raises CamundaUnavailable to back off."""
        now = self._clock()
        with self._guard:
            due = [(task_id, lock) for task_id, lock in self._locks.items() if lock.due <= now]
        for task_id, lock in due:
            self._extend(task_id, lock)

    def _extend(self, task_id: str, lock: _Lock) -> None:
        try:
            self._client.extend_lock(task_id, lock.worker_id, lock.duration_ms)
        except CamundaUnavailable:
            raise
        except CamundaNotFound as err:
            # Finished by another copy, or cancelled: on_gone finds out which (it may raise
            # CamundaUnavailable, and then the lock stays here to be looked at again).
            self._on_gone(task_id, err.engine_message or "task gone from the engine")
            self._drop(task_id, lock)
            return
        except CamundaConflict as err:
            LOCK_LOSSES.labels(lock.system).inc()
            self._drop(task_id, lock)
            logger.warning(
                "task={} lock not extended ({}); it returns through the worker", task_id, err.engine_message
            )
            return
        except CamundaError as err:
            logger.error("task={} lock extension failed: {}", task_id, err)
            return
        lock.due = self._clock() + lock.duration_ms / 2000
        self.extended += 1
        LOCK_EXTENSIONS.labels(lock.system).inc()
        logger.debug("task={} lock extended by {} ms", task_id, lock.duration_ms)
