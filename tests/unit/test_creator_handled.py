"""The creator's ``handled`` log lines: gathered from the pool threads, written a group at a time."""

from __future__ import annotations

import re

import pytest

from task_creator import handled
from task_creator.handled import Handled, HandledLines, write_one
from tests.unit.fakes import captured_logs


def item(
    task_id: str, *, topic: str = "python.echo", outcome: str = "complete", destination: str = "completed"
) -> Handled:
    return Handled(topic, task_id, "python", outcome, destination, 12.4)


def handled_lines(logs: list[str]) -> list[str]:
    return [line for line in logs if line.startswith("INFO handled ")]


def test_gathered_tasks_are_written_in_one_line_per_topic_outcome_and_destination() -> None:
    lines = HandledLines()
    for each in [
        item("t-1"),
        item("t-2", destination="tracker"),
        item("t-3"),
        item("t-4", outcome="failure", destination="tracker"),
        item("t-5", topic="python.other"),
    ]:
        lines.add(each)

    with captured_logs("INFO") as logs:
        written = lines.write()
        written_again = lines.write()

    assert written == 5 and written_again == 0
    assert handled_lines(logs) == [
        "INFO handled topic=python.echo system=python outcome=complete -> completed tasks=2: task=t-1 12ms; task=t-3 12ms",
        "INFO handled topic=python.echo system=python outcome=complete -> tracker tasks=1: task=t-2 12ms",
        "INFO handled topic=python.echo system=python outcome=failure -> tracker tasks=1: task=t-4 12ms",
        "INFO handled topic=python.other system=python outcome=complete -> completed tasks=1: task=t-5 12ms",
    ]


def test_a_large_group_is_written_in_lines_of_a_bounded_length(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handled, "TASKS_PER_LINE", 2)
    lines = HandledLines()
    for n in range(5):
        lines.add(item(f"t-{n}"))

    with captured_logs("INFO") as logs:
        lines.write()

    written = handled_lines(logs)
    assert [line.count("task=t-") for line in written] == [2, 2, 1]
    assert sorted(re.findall(r"task=(t-\d)", " ".join(written))) == [f"t-{n}" for n in range(5)]


def test_without_a_collector_each_task_is_written_at_once() -> None:
    with captured_logs("INFO") as logs:
        write_one(item("t-1", outcome="tracked", destination="tracker"))

    assert handled_lines(logs) == [
        "INFO handled topic=python.echo system=python outcome=tracked -> tracker tasks=1: task=t-1 12ms"
    ]
