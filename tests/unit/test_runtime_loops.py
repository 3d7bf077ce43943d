"""Background loops: a step every interval, jittered on request so loops of other processes drift apart."""

from __future__ import annotations

import threading

from core.runtime import loops


class Waits:
    """Records the loop's waits instead of waiting; stops it after ``count`` steps."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.waits: list[float] = []
        self.stop = threading.Event()

    def wait(self, seconds: float | None = None) -> bool:
        self.waits.append(seconds or 0.0)
        if len(self.waits) >= self.count:
            self.stop.set()
        return self.stop.is_set()


def run(waits: Waits, jitter: float) -> list[float]:
    stop = threading.Event()
    stop.wait = waits.wait  # type: ignore[method-assign]
    stop.is_set = waits.stop.is_set  # type: ignore[method-assign]
    loops.run_every("test", 10.0, lambda: None, stop, jitter).join(timeout=5)
    return waits.waits


def test_without_jitter_every_wait_is_the_interval() -> None:
    assert run(Waits(5), 0.0) == [10.0] * 5


def test_jittered_waits_stay_within_the_fraction_and_differ() -> None:
    waits = run(Waits(50), 0.25)

    assert all(7.5 <= wait <= 12.5 for wait in waits)
    assert len(set(waits)) > 1
