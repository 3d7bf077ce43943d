"""Client-side Bitrix24 rate limits: the shared request bucket (core.http) and per-method pauses.

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

from core.http.bucket import LeakyBucket

Clock = Callable[[], float]

__all__ = ["LeakyBucket", "MethodPauses", "shared_bucket", "shared_pauses"]


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
