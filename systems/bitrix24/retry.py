"""When a call may be sent again, and how long to wait before it is."""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Method suffixes whose effect must not happen twice: not repeated when the answer is lost.
NOT_REPEATABLE: tuple[str, ...] = (".add", ".complete", ".approve", ".disapprove", ".defer", ".delete")
NOT_REPEATABLE += (".start", ".pause", ".renew", ".send", ".attach")


def is_repeatable(method: str) -> bool:
    """Whether sending ``method`` twice has the same effect as once."""
    return not method.lower().endswith(NOT_REPEATABLE)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: exponential backoff with jitter, server hints honoured up to a limit."""

    attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    #: Longest server-named wait (Retry-After, 429 reset) slept through inside one call;
    #: a longer one raises at once with ``retry_after`` so no worker thread blocks for minutes.
    max_wait_s: float = 10.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Wait before attempt ``attempt + 1``: half fixed, half random (equal jitter)."""
        cap = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        return cap / 2 + rng.uniform(0, cap / 2)
