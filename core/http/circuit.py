"""A circuit breaker per system: stop calling a system that keeps failing, probe it later.

Closed: calls go through; N consecutive transport or 5xx failures open it. Open: calls are
refused at once with :class:`CircuitOpenError` (a retryable error that spends no attempt, so
the task waits in a delay queue and is not failed). After ``cooldown_s`` one probe call is let
through (half-open): success closes the circuit, failure opens it for another cool-down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

from loguru import logger

from core.errors import CircuitOpenError


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        system: str,
        failures: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1 or cooldown_s <= 0:
            raise ValueError("a circuit needs failures >= 1 and cooldown_s > 0")
        self.system = system
        self._threshold = failures
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._state = CircuitState.CLOSED
        self._lock = threading.Lock()

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._state

    def check(self) -> None:
        """Raise CircuitOpenError unless a call may go out now (a half-open probe may)."""
        with self._lock:
            if self._state is CircuitState.CLOSED:
                return
            left = self._opened_at + self._cooldown_s - self._clock()
            if left > 0 or self._probing:
                raise CircuitOpenError(self.system, retry_after=max(left, 1.0))
            self._state, self._probing = CircuitState.HALF_OPEN, True

    def success(self) -> None:
        with self._lock:
            if self._state is not CircuitState.CLOSED:
                logger.info("circuit of {} closed: the system answers again", self.system)
            self._state, self._failures, self._probing = CircuitState.CLOSED, 0, False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state is CircuitState.HALF_OPEN or self._failures >= self._threshold:
                if self._state is not CircuitState.OPEN:
                    logger.warning(
                        "circuit of {} open after {} failures: calls wait {:.0f}s",
                        self.system,
                        self._failures,
                        self._cooldown_s,
                    )
                self._state, self._opened_at, self._probing = CircuitState.OPEN, self._clock(), False
