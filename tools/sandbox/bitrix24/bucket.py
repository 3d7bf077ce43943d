"""The portal's leaky bucket: each request adds 1, the level drains ``rate`` per second, and a
request that would lift it above ``burst`` is refused (503 QUERY_LIMIT_EXCEEDED)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ServerBucket:
    """Thread-safe; a refused request does not fill the bucket."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        """New limits; the bucket starts empty."""
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        with self._lock:
            self.rate, self.burst = rate, burst
            self._level, self._updated = 0.0, self._clock()

    def take(self) -> bool:
        """Count one request; False when it must be refused."""
        with self._lock:
            now = self._clock()
            self._level = max(0.0, self._level - (now - self._updated) * self.rate)
            self._updated = now
            if self._level + 1.0 > self.burst:
                return False
            self._level += 1.0
            return True
