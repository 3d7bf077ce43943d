"""Rate limits as WB describes them: a token bucket per seller account and method group.

Each group is (period, limit, burst): the bucket holds ``burst`` tokens and gains ``limit``
per ``period``. ``time_scale`` speeds every bucket up (60 turns 3 a minute into 3 a second)
so the demo and the tests need not wait minutes; ``X-Ratelimit-Retry`` is then fractional.

| group | methods | period | limit | burst |
|---|---|---|---|---|
| count | /adv/v1/promotion/count | 1 s | 5 | 5 |
| adverts | /api/advert/v2/adverts | 1 s | 5 | 5 |
| fullstats | /adv/v3/fullstats | 60 s | 3 (one per 20 s) | 1 |
| orders, sales | /api/v1/supplier/orders, /sales | 60 s | 1 | 1 |
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    period_s: float
    limit: int
    burst: int


LIMITS = {
    "count": Limit(1.0, 5, 5),
    "adverts": Limit(1.0, 5, 5),
    "fullstats": Limit(60.0, 3, 1),
    "orders": Limit(60.0, 1, 1),
    "sales": Limit(60.0, 1, 1),
}


@dataclass(frozen=True)
class Verdict:
    """One request's answer from the bucket: allowed, and the X-Ratelimit-* numbers."""

    allowed: bool
    remaining: int
    retry_s: float
    reset_s: float
    limit: int


class Buckets:
    """The buckets of every (account, group); thread-safe; ``clock`` is injectable for tests."""

    def __init__(self, time_scale: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.time_scale = time_scale
        self._clock = clock
        self._lock = threading.Lock()
        self._levels: dict[tuple[str, str], tuple[float, float]] = {}  # tokens, when

    def reset(self, time_scale: float | None = None) -> None:
        with self._lock:
            self._levels.clear()
            if time_scale is not None:
                self.time_scale = time_scale

    def take(self, account: str, group: str) -> Verdict:
        """Spend one token of the group, or say how long until one is there."""
        limit = LIMITS[group]
        rate = limit.limit / limit.period_s * self.time_scale  # tokens per second
        with self._lock:
            now = self._clock()
            tokens, when = self._levels.get((account, group), (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - when) * rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._levels[(account, group)] = (tokens, now)
        retry = 0.0 if allowed else (1.0 - tokens) / rate
        reset = (limit.burst - tokens) / rate
        return Verdict(allowed, math.floor(tokens), retry, reset, limit.limit)


def seconds(value: float, *, whole: bool) -> str:
    """A header's seconds, rounded up: whole in real time (WB sends integers), to the ms when scaled."""
    if whole:
        return str(math.ceil(value))
    return f"{math.ceil(value * 1000) / 1000:.3f}".rstrip("0").rstrip(".")
