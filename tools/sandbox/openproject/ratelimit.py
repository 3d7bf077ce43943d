"""The instance's rate limit (Rack::Attack in a real one): a token bucket over API calls.

``rate`` tokens a second up to ``burst``; a call without a token is refused (429). ``rate``
None switches the limit off. Real instances configure this themselves; the reference names
no headers, so ``Retry-After`` is sent only when the sandbox is told to.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Thread-safe; a refused call takes no token."""

    def __init__(self, rate: float | None, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.configure(rate, burst)

    def configure(self, rate: float | None, burst: int) -> None:
        """New limits; the bucket starts full."""
        if (rate is not None and rate <= 0) or burst < 1:
            raise ValueError("rate must be > 0 (or null: no limit) and burst >= 1")
        with self._lock:
            self.rate, self.burst = rate, burst
            self._tokens, self._updated = float(burst), self._clock()

    def take(self) -> bool:
        """Take one token; False when the call must be refused."""
        with self._lock:
            if self.rate is None:
                return True
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True
