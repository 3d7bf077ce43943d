"""What the sandbox remembers: counters for exactly-once assertions, limits, keys and parties."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any

from tools.sandbox.dadata.parties import Suggestion, seed


class SlidingWindow:
    """At most ``limit`` events in any ``span_s`` seconds (requests per second, connections per minute)."""

    def __init__(self, limit: int, span_s: float) -> None:
        self.limit = limit
        self.span_s = span_s
        self._events: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._events and self._events[0] <= now - self.span_s:
                self._events.popleft()
            if len(self._events) >= self.limit:
                return False
            self._events.append(now)
            return True


class State:
    """Counters and records; take :attr:`lock` around any read-modify-write."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: Counter[str] = Counter()  # per endpoint, every request that arrived
            self.statuses: Counter[int] = Counter()
            # Billed answers: per cleaner type, how often each source value was cleaned (200s only).
            self.cleaned: dict[str, Counter[str]] = {}
            self.party_lookups: Counter[str] = Counter()
            self.connections = 0
            self.refused_connections = 0
            self.parties: list[Suggestion] = seed()

    def record_clean(self, kind: str, sources: list[str]) -> None:
        with self.lock:
            self.cleaned.setdefault(kind, Counter()).update(sources)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "cleaned": {kind: dict(counts) for kind, counts in self.cleaned.items()},
                "party_lookups": dict(self.party_lookups),
                "connections": self.connections,
                "refused_connections": self.refused_connections,
                "parties": len(self.parties),
            }
