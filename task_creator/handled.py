"""The creator's ``handled`` log lines: what became of each task, written a group at a time.

A loguru line costs about 50 CPU-µs on a quiet core, and a line per task cost the creator a
tenth of its CPU in the suite (docs/performance.md). The service gathers what it handled and
writes one line per topic, system, outcome and destination every ``WRITE_EVERY_S``, naming each
task with its own duration, so ``grep <task id>`` still finds it. Without a collector (tests,
tools) each task gets its own line at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from loguru import logger

from core.logs import in_lines

WRITE_EVERY_S = 0.1  # the longest a handled task waits for its log line
TASKS_PER_LINE = 50  # keeps a line readable in journalctl and under journald's line limit


@dataclass(frozen=True, slots=True)
class Handled:
    """One task's end in this creator."""

    topic: str
    task_id: str
    system: str
    outcome: str  # complete, failure, bpmn_error or tracked
    destination: str  # "completed" in the engine here, or sent to the "tracker"
    ms: float  # from the handler's start to the result's delivery


def write_one(item: Handled) -> None:
    """The line of a single task, written at once."""
    _write(item.topic, item.system, item.outcome, item.destination, [item])


class HandledLines:
    """Collects ``Handled`` items from the pool threads; ``write`` logs them grouped."""

    def __init__(self) -> None:
        self._items: list[Handled] = []
        self._lock = threading.Lock()

    def add(self, item: Handled) -> None:
        with self._lock:
            self._items.append(item)

    def write(self) -> int:
        """Log everything gathered since the last call; the number of tasks written."""
        with self._lock:
            items, self._items = self._items, []
        for (topic, system, outcome, destination), line in in_lines(items, _line_key, TASKS_PER_LINE):
            _write(topic, system, outcome, destination, line)
        return len(items)


def _line_key(item: Handled) -> tuple[str, str, str, str]:
    return item.topic, item.system, item.outcome, item.destination


def _write(topic: str, system: str, outcome: str, destination: str, items: Sequence[Handled]) -> None:
    logger.info(
        "handled topic={} system={} outcome={} -> {} tasks={}: {}",
        topic,
        system,
        outcome,
        destination,
        len(items),
        "; ".join(f"task={item.task_id} {item.ms:.0f}ms" for item in items),
    )
