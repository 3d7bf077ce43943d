"""Client-side Bitrix24 rate limits: the request leaky bucket and per-method pauses.

Bitrix24 counts requests per portal (and source IP) in a leaky bucket: each request adds 1,
the level drains by ``rate`` per second, a request that would lift it above ``burst`` gets
503 QUERY_LIMIT_EXCEEDED (2/s and 50 on ordinary plans, 5/s and 250 on Enterprise). The
same bucket here keeps every thread of a process under that line, so the portal rarely has
to refuse us. Separately, a method that used up its operating time answers 429 until
``operating_reset_at``; :class:`MethodPauses` remembers that per method.
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


class MethodPauses:
    """Methods that answered 429 OPERATION_TIME_LIMIT, each paused until a unix time."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def pause(self, method: str, until: float) -> None:
        """Pause ``method`` until the unix time ``until`` (a later pause wins)."""
        key = method.lower()
        with self._lock:
            self._until[key] = max(until, self._until.get(key, 0.0))

    def remaining(self, method: str) -> float:
        """Seconds until ``method`` may be called again (0 when it is not paused)."""
        key = method.lower()
        with self._lock:
            left = self._until.get(key, 0.0) - self._clock()
            if left <= 0:
                self._until.pop(key, None)
                return 0.0
            return left


_shared_lock = threading.Lock()
_shared_buckets: dict[str, LeakyBucket] = {}
_shared_pauses: dict[str, MethodPauses] = {}


def shared_bucket(portal: str, rate: float = 2.0, burst: int = 50) -> LeakyBucket:
    """The one bucket of this process for ``portal``; every client and thread shares it."""
    key = portal.lower()
    with _shared_lock:
        bucket = _shared_buckets.get(key)
        if bucket is None:
            bucket = _shared_buckets[key] = LeakyBucket(rate, burst)
        elif (bucket.rate, bucket.burst) != (rate, burst):
            raise ValueError(
                f"the bucket for {portal} exists with rate={bucket.rate} burst={bucket.burst}, "
                f"not rate={rate} burst={burst}"
            )
        return bucket


def shared_pauses(portal: str) -> MethodPauses:
    """The one per-method pause table of this process for ``portal``."""
    with _shared_lock:
        return _shared_pauses.setdefault(portal.lower(), MethodPauses())
