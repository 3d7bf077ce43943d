"""Settling results in the engine: complete, BPMN error, failure — or why not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.camunda import TypedValue, encode_variables
from core.contracts import (
    AliveOutcome,
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TaskRef,
    TrackedOutcome,
    TrackedReference,
)
from core.contracts.base import TypedVariable
from core.errors import CamundaConflict, CamundaNotFound, CamundaUnavailable, ContractError
from core.ledger import LedgerEntry, SqliteLedger, TaskState
from task_tracker.gone import GoneTasks, Settling
from task_tracker.settle import RETRY_TIMEOUT_MS, Settler
from tests.unit.fakes import FakeCamunda, route

LONG = 9_007_199_254_740_993


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.client = FakeCamunda()
        self.ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
        self.cancelled: list[LedgerEntry] = []
        self.tracked: list[LedgerEntry] = []
        resolver = GoneTasks(self.client, self.ledger, Settling(), on_cancelled=self.cancelled.append)
        self.settler = Settler(
            self.client,
            self.ledger,
            on_gone=resolver.task_gone,
            on_tracked=self.tracked.append,
        )

    def state(self, task_id: str = "t-1") -> TaskState:
        entry = self.ledger.get(task_id)
        assert entry is not None
        return entry.state

    def engine_calls(self) -> list[str]:
        return [call.name for call in self.client.calls]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.ledger.close()


def ref(**fields: Any) -> TaskRef:
    return TaskRef(**{"worker_id": "worker-msg", "activity_id": "create_task", **fields})


def result(outcome: Any, *, task_id: str = "t-1", task: TaskRef | None = None) -> ResultMessage:
    return ResultMessage(external_task_id=task_id, outcome=outcome, system="python", task=task or ref())


# -- complete -----------------------------------------------------------------------------------------------


def test_complete_passes_the_typed_variables_through_unchanged(rig: Rig) -> None:
    # Given a routed task and a result with typed variables
    route(rig.ledger, "t-1", worker_id="worker-A")
    variables = {
        "amount": TypedVariable(type="Long", value=LONG),
        "payload": TypedVariable(type="Json", value='{"a": 1}'),
        "when": TypedVariable(type="Date", value="2025-03-01T10:00:00.000+0300"),
        "obj": TypedVariable(type="Object", value="{}", valueInfo={"objectTypeName": "java.util.HashMap"}),
    }

    # When it is settled
    what = rig.settler.settle(result(CompleteOutcome(variables=variables)))

    # Then the engine completes the task with every variable as typed, nothing re-guessed
    (call,) = rig.client.calls_to("complete")
    task_id, worker_id, sent = call.args
    assert (task_id, worker_id) == ("t-1", "worker-A")
    assert sent == {
        "amount": TypedValue("Long", LONG, {}),
        "payload": TypedValue("Json", '{"a": 1}', {}),
        "when": TypedValue("Date", "2025-03-01T10:00:00.000+0300", {}),
        "obj": TypedValue("Object", "{}", {"objectTypeName": "java.util.HashMap"}),
    }
    assert encode_variables(sent)["amount"] == {"type": "Long", "value": LONG, "valueInfo": {}}
    # And the ledger says completed
    assert what == "completed"
    assert rig.state() is TaskState.COMPLETED


def test_the_worker_id_in_the_ledger_wins_over_the_one_in_the_message(rig: Rig) -> None:
    # Given a task re-fetched by worker B after worker A's message was written
    route(rig.ledger, "t-1", worker_id="worker-B")

    rig.settler.settle(result(CompleteOutcome(), task=ref(worker_id="worker-A")))

    assert rig.client.calls_to("complete")[0].args[1] == "worker-B"


def test_a_task_unknown_here_is_settled_with_the_worker_id_of_the_message(rig: Rig) -> None:
    what = rig.settler.settle(result(CompleteOutcome(), task=ref(worker_id="worker-msg")))

    assert what == "completed"
    assert rig.client.calls_to("complete")[0].args[1] == "worker-msg"


def test_a_task_unknown_here_without_a_worker_id_is_a_contract_error(rig: Rig) -> None:
    with pytest.raises(ContractError, match="t-1 is unknown here and the message names no worker_id"):
        rig.settler.settle(result(CompleteOutcome(), task=TaskRef()))

    assert rig.client.calls == []


def test_an_already_settled_task_is_a_duplicate_and_the_engine_is_not_called(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    rig.ledger.mark("t-1", TaskState.COMPLETED)

    what = rig.settler.settle(result(CompleteOutcome()))

    assert what == "duplicate"
    assert rig.client.calls == []


# -- BPMN errors ------------------------------------------------------------------------------------------


def test_a_caught_bpmn_error_is_thrown_in_the_engine(rig: Rig) -> None:
    route(rig.ledger, "t-1", worker_id="worker-A")
    outcome = BpmnErrorOutcome(
        code="NO_PHONE", message="no phone", variables={"lead": TypedVariable(type="Integer", value=17)}
    )

    what = rig.settler.settle(result(outcome, task=ref(caught_error_codes=["DUPLICATE", "NO_PHONE"])))

    (call,) = rig.client.calls_to("bpmn_error")
    assert call.args == ("t-1", "worker-A")
    assert call.kwargs == {
        "error_code": "NO_PHONE",
        "error_message": "no phone",
        "variables": {"lead": TypedValue("Integer", 17, {})},
    }
    assert what == "bpmn_error"
    assert rig.state() is TaskState.BPMN_ERROR


def test_a_catch_all_boundary_catches_any_code(rig: Rig) -> None:
    route(rig.ledger, "t-1")

    what = rig.settler.settle(result(BpmnErrorOutcome(code="WHATEVER"), task=ref(catches_all_errors=True)))

    assert what == "bpmn_error"
    assert rig.engine_calls() == ["bpmn_error"]


@pytest.mark.parametrize(
    "task",
    [ref(caught_error_codes=["OTHER"]), ref(), ref(caught_error_codes=None, catches_all_errors=False)],
    ids=["other-code", "nothing-caught", "explicitly-none"],
)
def test_an_uncaught_bpmn_error_becomes_an_incident_naming_the_code(rig: Rig, task: TaskRef) -> None:
    # Given a BPMN error the activity does not catch
    route(rig.ledger, "t-1", worker_id="worker-A")

    # When it is settled
    what = rig.settler.settle(result(BpmnErrorOutcome(code="NO_PHONE", message="no phone"), task=task))

    # Then the engine gets a failure with no retries left, saying why
    assert rig.client.calls_to("bpmn_error") == []
    (call,) = rig.client.calls_to("failure")
    assert call.args == ("t-1", "worker-A")
    assert call.kwargs["retries"] == 0
    assert (
        call.kwargs["error_message"] == "BPMN error NO_PHONE is not caught by activity create_task: no phone"
    )
    assert call.kwargs["error_details"] == "no phone"
    assert what == "incident"
    assert rig.state() is TaskState.FAILED


def test_a_bpmn_error_without_task_facts_or_message_is_an_incident_saying_just_that(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    message = ResultMessage(external_task_id="t-1", outcome=BpmnErrorOutcome(code="X"))

    what = rig.settler.settle(message)

    assert what == "incident"
    (call,) = rig.client.calls_to("failure")
    assert call.kwargs["retries"] == 0
    assert call.kwargs["error_message"] == "BPMN error X is not caught by activity ?"


# -- failures -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("engine_retries", "left"), [(3, 2), (2, 1), (None, 2)])
def test_a_retryable_failure_counts_the_engines_retries_down(
    rig: Rig, engine_retries: int | None, left: int
) -> None:
    route(rig.ledger, "t-1")
    outcome = FailureOutcome(message="timeout", details="trace", retryable=True)

    what = rig.settler.settle(result(outcome, task=ref(retries=engine_retries)))

    (call,) = rig.client.calls_to("failure")
    assert call.kwargs == {
        "error_message": "timeout",
        "error_details": "trace",
        "retries": left,
        "retry_timeout_ms": RETRY_TIMEOUT_MS,
    }
    assert what == "failed-will-retry"


def test_a_retryable_failure_on_the_last_retry_becomes_an_incident(rig: Rig) -> None:
    route(rig.ledger, "t-1")

    what = rig.settler.settle(result(FailureOutcome(message="x", retryable=True), task=ref(retries=1)))

    assert rig.client.calls_to("failure")[0].kwargs["retries"] == 0
    assert rig.client.calls_to("failure")[0].kwargs["retry_timeout_ms"] == 0
    assert what == "incident"


def test_a_non_retryable_failure_is_an_incident_at_once(rig: Rig) -> None:
    route(rig.ledger, "t-1")

    what = rig.settler.settle(
        result(FailureOutcome(message="bad data", retryable=False), task=ref(retries=5))
    )

    assert rig.client.calls_to("failure")[0].kwargs["retries"] == 0
    assert what == "incident"
    assert rig.state() is TaskState.FAILED


# -- tracked ------------------------------------------------------------------------------------------------


def test_a_tracked_outcome_records_the_work_item_and_starts_lock_keeping(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    outcome = TrackedOutcome(reference=TrackedReference(id="8017", url="https://portal/8017"))

    what = rig.settler.settle(result(outcome))

    assert what == "tracked"
    assert rig.client.calls == []
    entry = rig.ledger.get("t-1")
    assert entry is not None
    assert (entry.state, entry.external_id, entry.external_url) == (
        TaskState.TRACKED,
        "8017",
        "https://portal/8017",
    )
    assert [(e.external_task_id, e.external_id, e.state) for e in rig.tracked] == [
        ("t-1", "8017", TaskState.TRACKED)
    ]


# -- the engine says no ----------------------------------------------------------------------------------------


def test_a_task_gone_from_the_engine_is_cancelled_and_its_work_item_closed(rig: Rig) -> None:
    # Given a tracked task whose process instance was cancelled
    route(rig.ledger, "t-1")
    rig.ledger.record_external("t-1", "8017", None)
    rig.ledger.mark("t-1", TaskState.TRACKED)
    rig.client.on("complete", CamundaNotFound(404, "RestException", "External task t-1 does not exist"))
    rig.client.task_log["t-1"] = [{"deletionLog": True}]

    # When its result is settled
    what = rig.settler.settle(result(CompleteOutcome()))

    # Then the ledger says cancelled and the tracked system is told
    assert what == "cancelled"
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.CANCELLED
    assert entry.last_error == "External task t-1 does not exist"
    assert [e.external_id for e in rig.cancelled] == ["8017"]


def test_a_gone_task_without_a_work_item_is_cancelled_without_telling_anyone(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    rig.client.on("complete", CamundaNotFound(404, "RestException", "gone"))
    rig.client.task_log["t-1"] = [{"deletionLog": True}]

    what = rig.settler.settle(result(CompleteOutcome()))

    assert what == "cancelled"
    assert rig.state() is TaskState.CANCELLED
    assert rig.cancelled == []


def test_a_conflict_is_recorded_and_reported_without_raising(rig: Rig) -> None:
    # Given a task now locked by another worker
    route(rig.ledger, "t-1")
    rig.client.on("complete", CamundaConflict(400, "BadUserRequestException", "locked by worker-Z"))

    # When its result is settled
    what = rig.settler.settle(result(CompleteOutcome()))

    # Then it is reported as a conflict, and the ledger keeps its state with the reason
    assert what == "conflict"
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.ROUTED
    assert entry.last_error == "conflict: locked by worker-Z"


def test_an_unavailable_engine_propagates_and_leaves_the_ledger_alone(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    rig.client.on("complete", CamundaUnavailable("connection refused"))

    with pytest.raises(CamundaUnavailable):
        rig.settler.settle(result(CompleteOutcome()))

    assert rig.state() is TaskState.ROUTED


def test_a_404_for_a_task_another_copy_completed_is_a_duplicate_not_a_cancellation(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    rig.ledger.record_external("t-1", "8017", None)
    rig.ledger.mark("t-1", TaskState.TRACKED)
    rig.client.on("complete", CamundaNotFound(404, "RestException", "gone"))
    rig.client.task_log["t-1"] = [{"successLog": True}]

    what = rig.settler.settle(result(CompleteOutcome()))

    assert what == "duplicate"
    assert rig.state() is TaskState.COMPLETED
    assert rig.cancelled == []


def test_a_late_tracked_copy_does_not_reopen_a_completed_task(rig: Rig) -> None:
    route(rig.ledger, "t-1")
    rig.ledger.mark("t-1", TaskState.COMPLETED)
    late = result(TrackedOutcome(reference=TrackedReference(id="8017", url=None)))

    assert rig.settler.settle(late) == "duplicate"
    assert rig.state() is TaskState.COMPLETED
    assert rig.tracked == []


# -- alive: a long action keeps its lock ---------------------------------------------------------------------


def test_an_alive_record_extends_the_lock_and_changes_nothing_else(rig: Rig) -> None:
    route(rig.ledger, "t-1", worker_id="worker-A")
    before = rig.state()
    assert rig.settler.settle(result(AliveOutcome(lock_duration_ms=45_000))) == "extended"
    assert [(c.name, c.args) for c in rig.client.calls] == [("extend_lock", ("t-1", "worker-A", 45_000))]
    assert rig.state() == before


def test_an_alive_record_for_a_settled_task_is_ignored(rig: Rig) -> None:
    route(rig.ledger, "t-1", worker_id="worker-A")
    rig.settler.settle(result(CompleteOutcome()))
    assert rig.settler.settle(result(AliveOutcome(lock_duration_ms=45_000))) == "duplicate"
    assert rig.engine_calls() == ["complete"]
