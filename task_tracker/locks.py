"""Keeps the engine's locks of tracked tasks alive while people work on them.

Each lock is extended at half its life. After a restart the picture is rebuilt from the
ledger and every tracked lock is extended at once. A lock that already expired cannot be
extended: the worker then fetches the task again and the creator re-emits its tracked
result, which brings it back here.
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._systems = tracked_systems
        self._on_gone = on_gone
        self._clock = clock
        self._locks: dict[str, _Lock] = {}
        self._guard = threading.Lock()
        self.extended = 0

    def rebuild(self) -> int:
        """Load every tracked task from the ledger; their locks are extended on the next pass."""
        entries = [
            e
            for e in self._ledger.in_states(None, [TaskState.TRACKED])
            if e.system in self._systems and not e.is_direct  # a direct task holds no engine lock
        ]
        for entry in entries:
            self.add(entry, due_now=True)
        return len(entries)

    def add(self, entry: LedgerEntry, *, due_now: bool = False) -> None:
        if entry.is_direct:
            return
        duration = entry.lock_duration_ms or DEFAULT_LOCK_MS
        due = self._clock() + (0 if due_now else duration / 2000)
        with self._guard:
            self._locks[entry.external_task_id] = _Lock(entry.system, entry.worker_id, duration, due)

    def forget(self, external_task_id: str) -> None:
        with self._guard:
            self._locks.pop(external_task_id, None)

    def __len__(self) -> int:
        return len(self._locks)

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
            self.forget(task_id)
            return
        except CamundaConflict as err:
            LOCK_LOSSES.labels(lock.system).inc()
            self.forget(task_id)
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
