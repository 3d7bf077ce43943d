"""A client-side rate limiter that never lets StormBPMN see more than N requests per window.

StormBPMN allows 5 requests a minute and blocks the account after repeated 429s, so the
client must not rely on the server saying no. The limiter keeps the end time of each recent
request: a request is sent only when fewer than ``limit`` requests ended within the last
``window_s`` seconds. Counting from the *end* of a request means the server, which saw each
request before it ended, can never count more in its own window. The history can be saved
between runs (a systemd timer run and a manual run must share one budget).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

SAFETY_MARGIN_S = 0.05
POLL_S = 0.05  # only when every slot is held by a request still in flight (threads)


@dataclass(frozen=True)
class LimiterState:
    request_ends: list[float] = field(default_factory=list)
    blocked_until: float = 0.0


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        state: LimiterState | None = None,
        on_change: Callable[[LimiterState], None] | None = None,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._ends: deque[float] = deque(sorted((state or LimiterState()).request_ends))
        self._blocked_until = (state or LimiterState()).blocked_until
        self._in_flight = 0
        self._lock = threading.Lock()
        self._on_change = on_change

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a free slot, hold it during the request, and record when the request ended."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        while True:
            with self._lock:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    self._in_flight += 1
                    return
            logger.debug("StormBPMN rate limit: waiting {:.2f} s", wait)
            self._sleep(wait)

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._ends.append(self._clock())
            state = self._snapshot()
        self._notify(state)

    def block_for(self, seconds: float) -> None:
        """The server said "retry after": nothing is sent before then."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + max(seconds, 0.0))
            state = self._snapshot()
        self._notify(state)

    def state(self) -> LimiterState:
        with self._lock:
            return self._snapshot()

    def _wait_needed(self, now: float) -> float:
        while self._ends and self._ends[0] <= now - self.window_s:
            self._ends.popleft()
        if now < self._blocked_until:
            return self._blocked_until - now
        excess = len(self._ends) + self._in_flight - self.limit
        if excess < 0:
            return 0.0
        if excess >= len(self._ends):
            return POLL_S  # the slots are held by requests still in flight
        return self._ends[excess] + self.window_s - now + SAFETY_MARGIN_S

    def _snapshot(self) -> LimiterState:
        return LimiterState(list(self._ends), self._blocked_until)

    def _notify(self, state: LimiterState) -> None:
        if self._on_change is not None:
            self._on_change(state)


class LimiterStore:
    """The limiter's history in a small JSON file, so separate runs share one budget."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> LimiterState:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return LimiterState(
                [float(t) for t in data.get("request_ends", [])], float(data.get("blocked_until", 0))
            )
        except (OSError, ValueError, TypeError, AttributeError):
            return LimiterState()  # no history yet (or unreadable): start with an empty budget

    def save(self, state: LimiterState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"request_ends": state.request_ends, "blocked_until": state.blocked_until}))
        tmp.replace(self.path)


def persistent_limiter(
    path: Path,
    limit: int,
    window_s: float,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> RateLimiter:
    store = LimiterStore(path)
    return RateLimiter(limit, window_s, clock=clock, sleep=sleep, state=store.load(), on_change=store.save)
