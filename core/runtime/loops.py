"""Background loops: a step every interval until stop, backing off while the engine is away."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from loguru import logger

from core.errors import CamundaUnavailable
from core.retry import Backoff


def run_every(
    name: str, interval_s: float, step: Callable[[], object], stop: threading.Event, jitter: float = 0.0
) -> threading.Thread:
    """Start a daemon thread running ``step`` every ``interval_s``; a failing step never ends it.

    ``jitter`` (a fraction) spreads each wait by up to that much either way, so loops with equal
    intervals in other processes do not stay in step.
    """

    def body() -> None:
        backoff = Backoff(1.0, 60.0)
        while not stop.is_set():
            try:
                step()
                backoff.reset()
                wait = interval_s * (1 + random.uniform(-jitter, jitter))
            except CamundaUnavailable as err:
                wait = backoff.next_delay()
                logger.warning("{}: engine unavailable, next try in {:.1f}s: {}", name, wait, err)
            except Exception:
                logger.exception("{} failed; trying again in {:.0f}s", name, interval_s)
                wait = interval_s
            stop.wait(wait)

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    return thread
