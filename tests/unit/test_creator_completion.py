"""The creator's own completion of immediate tasks: the plain case here, everything else to the tracker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from core.camunda.variables import TypedValue
from core.contracts import (
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TaskRef,
    TrackedOutcome,
    TrackedReference,
)
from core.contracts.result import typed
from core.errors import CamundaConflict, CamundaNotFound, CamundaRequestError, CamundaUnavailable
from core.ledger import LedgerEntry, SqliteLedger, TaskState
from task_creator.completion import UNREACHABLE_PAUSE_S, EngineCompletion
from task_creator.marks import PendingMarks
from tests.unit.fakes import FakeCamunda, FakeClock, route


def settled_count() -> float:
    labels = {"system": "python", "topic": "python.task", "outcome": "completed", "origin": "engine"}
    return REGISTRY.get_sample_value("exchanger_tasks_settled_total", labels) or 0.0


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
        self.engine = FakeCamunda()
        self.clock = FakeClock()
        self.marks = PendingMarks(self.ledger)
        self.completion = EngineCompletion(self.engine, self.marks, clock=self.clock)

    def stored(
        self, task_id: str, outcome: object, *, origin: str = "engine"
    ) -> tuple[ResultMessage, LedgerEntry]:
        """A routed task whose result the creator has just stored, as ``_finish`` leaves it."""
        entry = route(self.ledger, task_id, worker_id="worker-B")
        result = ResultMessage(
            external_task_id=task_id,
            outcome=outcome,  # type: ignore[arg-type]
            system="python",
            task=TaskRef(worker_id="worker-A", topic="python.task"),
            origin=origin,  # type: ignore[arg-type]
        )
        self.ledger.record_result(task_id, TaskState.RESULT, result.to_json().decode())
        return result, entry

    def state(self, task_id: str) -> TaskState:
        entry = self.ledger.get(task_id)
        assert entry is not None
        return entry.state


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.ledger.close()


def test_a_completion_goes_to_the_engine_with_its_typed_variables_and_ends_the_task(rig: Rig) -> None:
    result, entry = rig.stored("t-1", CompleteOutcome(variables=typed({"n": 2, "note": "ok"})))
    before = settled_count()

    assert rig.completion.complete(result, entry) is True

    (call,) = rig.engine.calls_to("complete")
    task_id, worker_id, values = call.args
    # the worker that holds the lock now is the ledger's (the latest fetch), not the message's
    assert (task_id, worker_id) == ("t-1", "worker-B")
    assert values == {"n": TypedValue("Integer", 2, {}), "note": TypedValue("String", "ok", {})}
    assert settled_count() - before == 1
    # the ledger's final mark waits for the next group of marks
    assert (rig.state("t-1"), rig.marks.pending) == (TaskState.RESULT, 1)
    assert rig.marks.flush() == 1
    assert rig.state("t-1") is TaskState.COMPLETED


@pytest.mark.parametrize(
    "outcome",
    [
        FailureOutcome(message="boom", retryable=True),
        BpmnErrorOutcome(code="NO_PHONE"),
        TrackedOutcome(reference=TrackedReference(id="42")),
    ],
    ids=["failure", "bpmn_error", "tracked"],
)
def test_any_other_outcome_is_left_to_the_tracker(rig: Rig, outcome: object) -> None:
    result, entry = rig.stored("t-1", outcome)

    assert rig.completion.complete(result, entry) is False

    assert rig.engine.calls == []
    assert rig.state("t-1") is TaskState.RESULT


def test_a_direct_task_has_no_engine_task_and_is_left_to_the_tracker(rig: Rig) -> None:
    result, entry = rig.stored("d-1", CompleteOutcome(), origin="direct")

    assert rig.completion.complete(result, entry) is False
    assert rig.engine.calls == []


@pytest.mark.parametrize(
    "refusal",
    [
        CamundaNotFound(404, "RestException", "External task with id t-1 does not exist"),
        CamundaConflict(400, "BadUserRequestException", "locked by worker-Z"),
        CamundaRequestError(500, "ProcessEngineException", "database is busy"),
    ],
    ids=["gone", "locked-elsewhere", "server-error"],
)
def test_an_engine_that_does_not_accept_the_completion_leaves_it_to_the_tracker(
    rig: Rig, refusal: Exception
) -> None:
    # The tracker tells a cancellation from a duplicate and retries a 5xx with backoff; not done here.
    result, entry = rig.stored("t-1", CompleteOutcome())
    rig.engine.on("complete", refusal)
    before = settled_count()

    assert rig.completion.complete(result, entry) is False

    assert rig.state("t-1") is TaskState.RESULT
    assert settled_count() == before
    # and the next task is tried again at once: a refusal is about one task
    result2, entry2 = rig.stored("t-2", CompleteOutcome())
    assert rig.completion.complete(result2, entry2) is True


def test_an_unreachable_engine_sends_results_to_the_tracker_for_a_while_without_trying(rig: Rig) -> None:
    rig.engine.on("complete", CamundaUnavailable("connection refused"))
    first, first_entry = rig.stored("t-1", CompleteOutcome())
    assert rig.completion.complete(first, first_entry) is False

    # Within the pause no call is made
    rig.clock.advance(UNREACHABLE_PAUSE_S - 1)
    second, second_entry = rig.stored("t-2", CompleteOutcome())
    assert rig.completion.complete(second, second_entry) is False
    assert len(rig.engine.calls_to("complete")) == 1

    # After it the engine is tried again
    rig.clock.advance(2)
    third, third_entry = rig.stored("t-3", CompleteOutcome())
    assert rig.completion.complete(third, third_entry) is True
    assert [call.args[0] for call in rig.engine.calls_to("complete")] == ["t-1", "t-3"]
    rig.marks.flush()
    assert (rig.state("t-2"), rig.state("t-3")) == (TaskState.RESULT, TaskState.COMPLETED)
