"""Starting the benchmark's process instances: all at once, or at a fixed rate."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from tools.bench.engine import Engine

BURST_THREADS = 4
#: A few threads let the paced starter keep its schedule when one start call is slow.
PACED_THREADS = 4


def start_all(engine: Engine, key: str, count: int) -> float:
    """Start ``count`` instances as fast as the engine takes them; returns the seconds it took."""
    began = time.monotonic()
    with ThreadPoolExecutor(BURST_THREADS, thread_name_prefix="bench-start") as pool:
        for future in [pool.submit(engine.start, key, i) for i in range(count)]:
            future.result()
    return time.monotonic() - began


class PacedStarter:
    """Starts ``count`` instances at ``per_second`` on a background thread, on a fixed schedule.

    Start times are planned from the beginning (not from the previous call), so a slow call
    does not lower the average rate; ``lag_s`` reports how far behind the schedule it fell.
    """

    def __init__(self, engine: Engine, key: str, count: int, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._engine = engine
        self._key = key
        self._count = count
        self._interval = 1.0 / per_second
        self._thread = threading.Thread(target=self._run, name="bench-paced", daemon=True)
        self.lag_s = 0.0
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        began = time.monotonic()
        futures: list[Future[str]] = []
        with ThreadPoolExecutor(PACED_THREADS, thread_name_prefix="bench-paced") as pool:
            for i in range(self._count):
                delay = began + i * self._interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    self.lag_s = max(self.lag_s, -delay)
                futures.append(pool.submit(self._engine.start, self._key, i))
            for future in futures:
                try:
                    future.result()
                except Exception as err:  # reported with the scenario, not lost in a thread
                    self.error = err
