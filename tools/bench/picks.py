"""Pick-up records of the baseline workers: one line ``<epoch seconds> <external task id>`` per task.

Line-buffered so that a worker ended by SIGTERM has already written every task it handled.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO


class PickLog:
    def __init__(self, path: Path) -> None:
        self._file: TextIO = path.open("a", buffering=1, encoding="utf-8")

    def picked(self, task_id: str) -> None:
        self._file.write(f"{time.time():.6f} {task_id}\n")


def read_picks(path: Path) -> dict[str, float]:
    """External task id → the first time a worker took it (a refetched task keeps its first)."""
    picks: dict[str, float] = {}
    if not path.is_file():
        return picks
    for line in path.read_text(encoding="utf-8").splitlines():
        stamp, _, task_id = line.partition(" ")
        if task_id and task_id not in picks:
            picks[task_id] = float(stamp)
    return picks


READY = "bench worker ready"


def say_ready() -> None:
    """Tell the benchmark (which reads this process's log) that the worker has started."""
    print(READY, flush=True)
