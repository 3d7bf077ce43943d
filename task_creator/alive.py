"""Keeping the engine lock of a long action alive, from the creator, through the tracker.

The creator never calls the engine. A handler that works for minutes (a paced marketplace
pull) calls ``ctx.keep_alive()``; every third of the lock's life this publishes an ``alive``
record on ``<system>.sent.queue`` and the tracker extends the lock. When the creator dies the
records stop, the lock runs out, and the worker fetches the task again: the lock lives only
while the work does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from loguru import logger

from core.contracts import AliveOutcome, TaskMessage
from core.transport.base import OutgoingMessage
from core.transport.topology import sent_queue
from task_creator.results import result_message

MIN_INTERVAL_S = 1.0


class KeepAlive:
    """``ctx.keep_alive`` for one handler call; cheap when called often."""

    def __init__(
        self,
        task: TaskMessage,
        record_id: str,
        publish: Callable[[OutgoingMessage], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._task = task
        self._record_id = record_id
        self._publish = publish
        self._clock = clock
        lock_ms = task.task.lock_duration_ms
        self._interval_s = max(lock_ms / 3000, MIN_INTERVAL_S) if lock_ms else None
        self._last = clock()
        self._guard = threading.Lock()
        self.sent = 0

    def __call__(self) -> None:
        if self._interval_s is None:
            return  # the lock's length is unknown: nothing sensible to extend it by
        with self._guard:
            now = self._clock()
            if now - self._last < self._interval_s:
                return
            self._last = now
        self._send()

    def _send(self) -> None:
        outcome = AliveOutcome(lock_duration_ms=self._task.task.lock_duration_ms)
        message = result_message(self._task, outcome, record_id=self._record_id, attempts=0)
        self._publish(
            OutgoingMessage(
                "", sent_queue(self._task.routing.system), message.to_json(), self._task.message_id
            )
        )
        self.sent += 1
        logger.debug("task={} still working: lock extension asked", self._task.task.id)
