"""Pacing to WB's limits without spending the task's retries, and without losing its lock.

:class:`Pacer` keeps one leaky bucket per (account, method group) for the whole process, so
every task of a creator counts against the same seller limits. :class:`Waiter` is one task's
waiting: it sleeps in slices and calls the task's ``keep_alive`` before each, so the engine
lock lives as long as the work does; a task that would wait more than ``max_wait_s`` in all
raises ``WildberriesTransient`` and leaves the rest to the delay queues (its stored chunks stay).
Clock and sleep are injectable: the pacing tests run on a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from loguru import logger

from core.http import LeakyBucket
from systems.wildberries.errors import WildberriesTransient
from systems.wildberries.settings import Pacing

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Waiter:
    """One task's waits: sliced sleeps with ``keep_alive`` in between, within a total budget."""

    def __init__(
        self,
        keep_alive: Callable[[], None],
        *,
        max_wait_s: float,
        keep_alive_every_s: float = 5.0,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._keep_alive = keep_alive
        self.max_wait_s = max_wait_s
        self._slice_s = keep_alive_every_s
        self._sleep = sleep
        self.waited_s = 0.0

    def wait(self, seconds: float, why: str) -> None:
        """Wait ``seconds``; WildberriesTransient when the task's budget would run out."""
        if seconds <= 0:
            return
        if self.waited_s + seconds > self.max_wait_s:
            raise WildberriesTransient(
                f"Wildberries {why}: waiting {seconds:.1f} s more would pass the task's budget of "
                f"{self.max_wait_s:.0f} s (pacing.max_wait_s); the task waits on the delay queue",
                retry_after=seconds,
            )
        logger.debug("wildberries {}: waiting {:.2f} s", why, seconds)
        left = seconds
        while left > 0:
            self._keep_alive()
            step = min(left, self._slice_s)
            self._sleep(step)
            left -= step
        self.waited_s += seconds
        self._keep_alive()

    def alive(self) -> None:
        """Between chunks: the work goes on, the lock should too."""
        self._keep_alive()


class Pacer:
    """The process's buckets per (account, group), made on first use from the pacing options."""

    def __init__(self, pacing: Pacing, *, clock: Clock = time.monotonic) -> None:
        self.pacing = pacing
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], LeakyBucket] = {}

    def bucket(self, account: str, group: str) -> LeakyBucket:
        with self._lock:
            found = self._buckets.get((account, group))
            if found is None:
                limits = self.pacing.group(group)
                found = LeakyBucket(limits.rate(self.pacing.time_scale), limits.burst, clock=self._clock)
                self._buckets[(account, group)] = found
            return found

    def pace(self, account: str, group: str, waiter: Waiter) -> None:
        """Take the next slot of the group, waiting (alive) until it comes."""
        waiter.wait(self.bucket(account, group).reserve(), f"{group} pacing (account {account})")

    def refused(self, account: str, group: str) -> None:
        """WB said 429: the bucket is full, whatever this process counted (another one spent it)."""
        self.bucket(account, group).saturate()

    def interval_s(self, group: str) -> float:
        """One request's worth of time in the group: the wait when a 429 names none."""
        return 1.0 / self.pacing.group(group).rate(self.pacing.time_scale)
