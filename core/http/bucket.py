"""A thread-safe leaky bucket: the request-rate limit every HTTP system shares per process.

Each request adds 1 to the level, which drains by ``rate`` per second; a request that would
lift it above ``burst`` waits. That is a token bucket seen from the other side (rate, burst),
and the model Bitrix24 itself uses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class LeakyBucket:
    """A thread-safe leaky bucket; :meth:`acquire` blocks until a request may be sent.

    A caller reserves its slot under the lock and sleeps outside it, so concurrent callers
    queue up in order without holding the lock while they wait.
    """

    def __init__(
        self,
        rate: float = 2.0,
        burst: int = 50,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate} burst={burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._updated = clock()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LeakyBucket(rate={self.rate}, burst={self.burst})"

    def _drain(self) -> float:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._updated) * self.rate)
        self._updated = now
        return self._level

    def reserve(self) -> float:
        """Take a slot; return how long the caller must wait before sending (seconds)."""
        with self._lock:
            level = self._drain()
            self._level = level + 1.0
            return max(0.0, (level + 1.0 - self.burst) / self.rate)

    def acquire(self) -> float:
        """Wait for a slot (through the injected sleep); return the time waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def saturate(self) -> None:
        """Mark the bucket full: the portal said 503, so other threads slow down too."""
        with self._lock:
            self._level = max(self._drain(), float(self.burst))

    @property
    def level(self) -> float:
        """The current level (after draining), for logs and tests."""
        with self._lock:
            return self._drain()
