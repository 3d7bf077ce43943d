"""Per-system call limits: a request rate (leaky bucket) and a cap on calls in flight.

One :class:`CallLimits` per system per process (see ``core.http.client.system_http``), so
every thread of a creator or tracker counts against the same numbers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from core.http.bucket import LeakyBucket


class CallLimits:
    def __init__(self, rate: float, burst: int, max_concurrent: int) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent}")
        self.bucket = LeakyBucket(rate, burst)
        self.max_concurrent = max_concurrent
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self.waited_s = 0.0  # time spent waiting on the rate, for logs (metrics later)

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Hold a concurrency slot and a rate token for one call; yields the seconds waited."""
        started = time.monotonic()
        with self._slots:
            self.bucket.acquire()
            waited = time.monotonic() - started
            self.waited_s += waited
            yield waited

    def saturate(self) -> None:
        """The system said "too many requests": slow every thread of this process down."""
        self.bucket.saturate()
