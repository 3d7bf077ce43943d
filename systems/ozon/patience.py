"""429 answers waited out inside the action, with the engine lock kept alive meanwhile.

A pull makes many calls; Ozon answers 429 (code 8) when a Client-Id goes over 50 requests a
second, from this process or any other using the same account. Such a wait is nobody's
failure, so it must not spend one of the task's retries: :class:`Patience` sleeps and asks
again, calling ``keep_alive`` at least every ``keep_alive_every_s`` seconds. A run's waits
add up; once the next one would pass ``max_wait_s`` the 429 goes up as the RetryableError it
is, and the redelivered task resumes from its last stored page.

Sleeping goes through an injected ``sleep`` so tests of the arithmetic never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from loguru import logger

from systems.ozon.errors import OzonRateLimited
from systems.ozon.settings import Waiting

T = TypeVar("T")
Sleep = Callable[[float], None]


class Patience:
    """One run's budget of waiting on 429s."""

    def __init__(
        self,
        waiting: Waiting,
        keep_alive: Callable[[], None],
        *,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.waiting = waiting
        self.keep_alive = keep_alive
        self.waited_s = 0.0
        self.refusals = 0
        self._sleep = sleep
        self._rng = rng or random.Random()

    def call(self, fetch: Callable[[], T], what: str) -> T:
        """``fetch()``, asked again after each 429 while the budget lasts."""
        attempt = 0
        while True:
            self.keep_alive()
            try:
                return fetch()
            except OzonRateLimited as err:
                attempt += 1
                self.refusals += 1
                delay = self.delay(attempt, err.retry_after)
                if self.waited_s + delay > self.waiting.max_wait_s:
                    raise OzonRateLimited(
                        f"{err} (waited {self.waited_s:.1f} s of {self.waiting.max_wait_s:.0f} s on 429s)",
                        status=err.status,
                        code=err.code,
                        retry_after=delay,
                    ) from err
                logger.info("ozon {}: 429, asking again in {:.2f} s (attempt {})", what, delay, attempt + 1)
                self.pause(delay)

    def delay(self, attempt: int, hint: float | None) -> float:
        """Doubling from ``base_delay_s`` up to ``max_delay_s``, half of it jitter; a longer hint wins."""
        cap = min(self.waiting.max_delay_s, self.waiting.base_delay_s * 2.0 ** (attempt - 1))
        delay = cap / 2 + self._rng.uniform(0, cap / 2)
        if hint is not None:
            delay = max(delay, min(hint, self.waiting.max_delay_s))
        return delay

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds`` in slices, keeping the engine lock alive between them."""
        left = seconds
        while left > 0:
            step = min(left, self.waiting.keep_alive_every_s)
            self._sleep(step)
            self.waited_s += step
            left -= step
            self.keep_alive()
