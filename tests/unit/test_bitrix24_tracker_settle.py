"""A deleted Bitrix24 task through the tracker's settling: a BPMN error if caught, else an incident."""

from __future__ import annotations

from typing import Any

import pytest

from core.contracts import BpmnErrorOutcome, ResultMessage, TaskRef
from task_tracker.settle import Settler


class FakeEngine:
    """Records the engine calls the settler makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def bpmn_error(self, task_id: str, worker_id: str, **kwargs: Any) -> None:
        self.calls.append(("bpmn_error", kwargs))

    def failure(self, task_id: str, worker_id: str, **kwargs: Any) -> None:
        self.calls.append(("failure", kwargs))


class NoLedger:
    def get(self, task_id: str) -> None:
        return None

    def mark(self, *args: Any, **kwargs: Any) -> None:
        return None


def settle(caught: list[str]) -> tuple[str, dict[str, Any]]:
    engine = FakeEngine()
    outcome = BpmnErrorOutcome(code="BITRIX_TASK_DELETED", message="Bitrix24 task 12 was deleted")
    result = ResultMessage(
        external_task_id="ext-1",
        outcome=outcome,
        system="bitrix24",
        task=TaskRef(worker_id="w", activity_id="Prepare", caught_error_codes=caught),
    )
    Settler(engine, NoLedger()).settle(result)  # type: ignore[arg-type]
    (call,) = engine.calls
    return call


@pytest.mark.parametrize("caught", [["BITRIX_TASK_DELETED"], ["OTHER", "BITRIX_TASK_DELETED"]])
def test_a_caught_code_is_thrown_as_a_bpmn_error(caught: list[str]) -> None:
    kind, details = settle(caught)
    assert kind == "bpmn_error" and details["error_code"] == "BITRIX_TASK_DELETED"


def test_an_uncaught_code_becomes_an_incident() -> None:
    kind, details = settle([])
    assert kind == "failure" and details["retries"] == 0
    assert "BITRIX_TASK_DELETED is not caught by activity Prepare" in details["error_message"]
