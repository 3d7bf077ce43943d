"""Retry policy as data, and the one backoff function everything uses.

Delays are carried out by RabbitMQ delay queues (TTL, dead-lettered back), which work best
with a fixed set of delays: :func:`delay_buckets` lists the queue TTLs a policy needs, and
:func:`next_delay` picks the bucket for an attempt plus a jittered per-message expiry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.config.models import RetryConfig


@dataclass(frozen=True)
class RetryDecision:
    """What to do after a failed attempt: retry after ``delay_ms`` on ``bucket_ms``, or give up."""

    retry: bool
    bucket_ms: int = 0
    delay_ms: int = 0


def backoff_ms(attempt: int, policy: RetryConfig) -> int:
    """Un-jittered delay before retry number ``attempt`` (1-based), capped at the maximum."""
    raw = policy.min_delay_ms * policy.multiplier ** max(attempt - 1, 0)
    return int(min(raw, policy.max_delay_ms))


def delay_buckets(policy: RetryConfig) -> list[int]:
    """Every distinct delay the policy can ask for: one delay queue each."""
    return sorted({max(backoff_ms(n, policy), 1) for n in range(1, policy.attempts)})


def next_delay(
    attempts_made: int,
    policy: RetryConfig,
    *,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> RetryDecision:
    """Decide the retry after ``attempts_made`` attempts (the first call is attempt 1).

    A ``retry_after_s`` hint from the remote side raises the delay to at least the hint,
    within the largest bucket; jitter only ever shortens a delay, never below 50 %.
    """
    if attempts_made >= policy.attempts:
        return RetryDecision(retry=False)
    buckets = delay_buckets(policy) or [max(policy.min_delay_ms, 1)]
    wanted = backoff_ms(attempts_made, policy)
    if retry_after_s is not None:
        wanted = max(wanted, int(retry_after_s * 1000))
    bucket = next((b for b in buckets if b >= wanted), buckets[-1])
    spread = (rng or random).uniform(0, policy.jitter) if retry_after_s is None else 0.0
    delay = max(int(bucket * (1 - min(spread, 0.5))), 1)
    return RetryDecision(retry=True, bucket_ms=bucket, delay_ms=delay)


# One generator for every Backoff: seeding a new one from os.urandom costs more than the rest
# of a settled result's bookkeeping, and the tracker makes a Backoff per result it settles.
_SHARED_RNG = random.Random()


class Backoff:
    """Delays between attempts to reach a service: exponential from ``min_s`` to ``max_s``, with jitter.

    The jitter ("equal jitter": a delay between half and all of the step) keeps a fleet of
    consumers from reconnecting in lock-step after a broker restart.
    """

    def __init__(self, min_s: float, max_s: float, rng: random.Random | None = None) -> None:
        self._min_s = min_s
        self._max_s = max_s
        self._attempt = 0
        self._rng = rng or _SHARED_RNG

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; grows with every call until ``reset``."""
        step = min(self._max_s, self._min_s * (2**self._attempt))
        self._attempt = min(self._attempt + 1, 32)  # cap the exponent; the step is capped anyway
        return self._rng.uniform(step / 2, step)

    def reset(self) -> None:
        """Start again from ``min_s`` (after a connection that worked)."""
        self._attempt = 0
