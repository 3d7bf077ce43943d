"""Readiness and liveness checks for the metrics endpoint; each answers (ok, reason) and never raises.

Engine and broker checks keep their last answer for a few seconds: a probe every second
from a supervisor must not become load on the engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.errors import ExchangerError
from core.health import check_heartbeat
from core.metrics.server import ReadyCheck

PROBE_CACHE_S = 5.0


def heartbeat_check(path: Path, max_age_s: float) -> ReadyCheck:
    return "heartbeat", lambda: check_heartbeat(path, max_age_s)


def connected_check(name: str, connected: Callable[[], bool]) -> ReadyCheck:
    def check() -> tuple[bool, str]:
        ok = connected()
        return ok, "connected" if ok else "not connected (reconnecting)"

    return name, check


class _Probe:
    """A cached call: ok with its answer, or not ok with the error's message."""

    def __init__(self, call: Callable[[], object], what: str, ttl_s: float) -> None:
        self._call = call
        self._what = what
        self._ttl_s = ttl_s
        self._answer: tuple[bool, str] = (False, "not probed yet")
        self._at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> tuple[bool, str]:
        with self._lock:
            if time.monotonic() - self._at >= self._ttl_s:
                self._answer, self._at = self._probe(), time.monotonic()
            return self._answer

    def _probe(self) -> tuple[bool, str]:
        try:
            answer = self._call()
        except ExchangerError as err:
            return False, f"{self._what} unreachable: {err}"
        return True, f"{self._what} answers ({answer})"


def probe_check(name: str, call: Callable[[], object], ttl_s: float = PROBE_CACHE_S) -> ReadyCheck:
    """``call`` must raise an ExchangerError when the dependency is unreachable."""
    return name, _Probe(call, name, ttl_s)


def engine_check(version: Callable[[], str]) -> ReadyCheck:
    """The engine answers ``GET /version`` (an EngineAdmin's ``version``)."""
    return probe_check("engine", version)
