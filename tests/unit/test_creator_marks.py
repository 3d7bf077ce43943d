"""The creator's final ledger marks of tasks it completed in the engine: written in groups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import LedgerError
from core.ledger import SqliteLedger, TaskState
from task_creator.marks import PendingMarks
from tests.support.ledger_contract import route
from tests.unit.fakes import captured_logs


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteLedger]:
    store = SqliteLedger(tmp_path / "ledger.sqlite3")
    yield store
    store.close()


def with_result(ledger: SqliteLedger, *task_ids: str) -> None:
    for task_id in task_ids:
        route(ledger, task_id)
        ledger.record_result(task_id, TaskState.RESULT, "{}")


def state(ledger: SqliteLedger, task_id: str) -> TaskState:
    entry = ledger.get(task_id)
    assert entry is not None
    return entry.state


def test_waiting_marks_go_to_the_ledger_together_in_one_call(
    ledger: SqliteLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_result(ledger, "t-1", "t-2", "t-3")
    calls: list[list[str]] = []
    mark_many = ledger.mark_many
    monkeypatch.setattr(ledger, "mark_many", lambda ids, s: calls.append(list(ids)) or mark_many(ids, s))
    monkeypatch.setattr(ledger, "mark", lambda *_a, **_k: pytest.fail("one commit per task"))
    marks = PendingMarks(ledger)

    for task_id in ("t-1", "t-2", "t-3"):
        marks.add(task_id)
    assert [state(ledger, t) for t in ("t-1", "t-2", "t-3")] == [TaskState.RESULT] * 3

    assert marks.flush() == 3
    assert calls == [["t-1", "t-2", "t-3"]]
    assert [state(ledger, t) for t in ("t-1", "t-2", "t-3")] == [TaskState.COMPLETED] * 3
    assert (marks.pending, marks.flush(), len(calls)) == (0, 0, 1)  # nothing waits: no transaction


def test_marks_the_ledger_refuses_are_kept_for_the_next_flush(
    ledger: SqliteLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_result(ledger, "t-1", "t-2")
    marks = PendingMarks(ledger)
    marks.add("t-1")

    def disk_full(*_args: object) -> int:
        raise LedgerError("disk full")

    with monkeypatch.context() as patched, captured_logs() as logs:
        patched.setattr(ledger, "mark_many", disk_full)
        assert marks.flush() == 0
    assert any(
        "1 completed tasks not yet marked in the ledger" in line and "disk full" in line for line in logs
    )
    assert (marks.pending, state(ledger, "t-1")) == (1, TaskState.RESULT)

    marks.add("t-2")
    assert marks.flush() == 2
    assert (state(ledger, "t-1"), state(ledger, "t-2")) == (TaskState.COMPLETED, TaskState.COMPLETED)


def test_a_task_settled_otherwise_meanwhile_keeps_its_final_state(ledger: SqliteLedger) -> None:
    with_result(ledger, "t-1")
    marks = PendingMarks(ledger)
    marks.add("t-1")
    ledger.mark("t-1", TaskState.CANCELLED)

    assert marks.flush() == 0
    assert state(ledger, "t-1") is TaskState.CANCELLED
