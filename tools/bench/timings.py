"""Per-task times from the engine's history: created, completed, and (from the contender) picked up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tools.bench.engine import Engine


@dataclass(frozen=True)
class TaskTimes:
    """Epoch seconds of each finished external task of one process definition."""

    created: list[float]  # activity start = external task creation
    completed: list[float]  # activity end = completion accepted by the engine
    creation_by_task: dict[str, float]  # external task id → creation (from the creation log)

    @property
    def latencies_ms(self) -> list[float]:
        return [(end - start) * 1000 for start, end in zip(self.created, self.completed, strict=True)]

    def pickups_ms(self, picks: dict[str, float]) -> list[float]:
        return [
            (picked - self.creation_by_task[task]) * 1000
            for task, picked in picks.items()
            if task in self.creation_by_task
        ]


def engine_time(stamp: str) -> float:
    """The engine's ``2026-11-22T05:30:47.301+0000`` as epoch seconds."""
    return datetime.fromisoformat(stamp).timestamp()


def read_times(engine: Engine, definition_id: str) -> TaskTimes:
    rows = engine.service_tasks(definition_id)
    creations = engine.task_creations(definition_id)
    return from_history(rows, creations)


def from_history(rows: list[dict[str, Any]], creations: list[dict[str, Any]]) -> TaskTimes:
    finished = [row for row in rows if row.get("endTime") and not row.get("canceled")]
    return TaskTimes(
        created=[engine_time(row["startTime"]) for row in finished],
        completed=[engine_time(row["endTime"]) for row in finished],
        creation_by_task={log["externalTaskId"]: engine_time(log["timestamp"]) for log in creations},
    )
