"""What the Ozon sandbox remembers: its settings, a rate limiter per Client-Id, counters and a log.

The log keeps every API request with what paging it asked for (``last_id``, ``offset``,
``limit``, the period), so a test can prove that a resumed pull asked for no page twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

LOG_SIZE = 50_000
Clock = Callable[[], float]


@dataclass
class Settings:
    """Changeable through ``POST /_sandbox/settings``; ``anchor`` None = today (UTC)."""

    rate_limit_rps: float = 50.0
    products: int = 300
    days: int = 60
    anchor: date | None = None

    def anchor_day(self) -> date:
        return self.anchor or datetime.now(UTC).date()

    def json(self) -> dict[str, Any]:
        return {
            "rate_limit_rps": self.rate_limit_rps,
            "products": self.products,
            "days": self.days,
            "anchor": self.anchor_day().isoformat(),
        }


class RateLimiter:
    """A token bucket per Client-Id: ``rate`` requests a second, at most ``rate`` at once.

    Ozon allows 50 requests a second per Client-Id across all methods; a refused request
    takes no token, so a client that backs off gets through as soon as the second is over.
    """

    def __init__(self, rate: float, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, updated)
        self._lock = threading.Lock()

    def admit(self, client_id: str) -> bool:
        capacity = max(1.0, self.rate)
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.get(client_id, (capacity, now))
            tokens = min(capacity, tokens + (now - updated) * self.rate)
            if tokens < 1.0:
                self._buckets[client_id] = (tokens, now)
                return False
            self._buckets[client_id] = (tokens - 1.0, now)
            return True


@dataclass
class State:
    """Counters and the request log; take :attr:`lock` around any read-modify-write."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    requests: Counter[str] = field(default_factory=Counter)  # per path, every request that arrived
    statuses: Counter[str] = field(default_factory=Counter)
    per_client: Counter[str] = field(default_factory=Counter)
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.statuses.clear()
            self.per_client.clear()
            self.log.clear()

    def record(self, path: str, client_id: str, status: int, body: Any) -> None:
        """One API request: counted by path, status and client, and logged with its paging."""
        with self.lock:
            self.requests[path] += 1
            self.statuses[str(status)] += 1
            self.per_client[client_id or "-"] += 1
            self.log.append({"path": path, "client_id": client_id, "status": status, **_paging(body)})

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "counters": {
                    "requests": dict(self.requests),
                    "statuses": dict(self.statuses),
                    "per_client": dict(self.per_client),
                },
                "log": list(self.log),
            }


def _paging(body: Any) -> dict[str, Any]:
    """What a request asked for: the body, and its paging keys lifted out for easy reading."""
    if not isinstance(body, dict):
        return {"body": body}
    raw_filter = body.get("filter")
    filters: dict[str, Any] = raw_filter if isinstance(raw_filter, dict) else {}
    keys = {
        "last_id": body.get("last_id"),
        "offset": body.get("offset"),
        "limit": body.get("limit"),
        "since": filters.get("since"),
        "to": filters.get("to"),
    }
    return {**{k: v for k, v in keys.items() if v is not None}, "body": body}
