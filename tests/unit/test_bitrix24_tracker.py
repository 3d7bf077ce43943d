"""The Bitrix24 tracker against the sandbox: done statuses, result variables, deletion, cancellation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from core.actions.outcomes import Tracked
from core.contracts import BpmnErrorOutcome, CompleteOutcome
from core.contracts.result import untyped
from core.tracking import TrackedItem
from systems.bitrix24.connection import portal_base
from systems.bitrix24.settings import AnswerField
from systems.bitrix24.status import answer_value
from systems.bitrix24.tasks import PeopleTasks
from systems.bitrix24.tracker import Bitrix24Tracker
from tests.fixtures.bitrix24.support import Sandbox, context, running_sandbox, settings

PROPS = {"bitrix.responsible": "3"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=1000, burst=1000) as started:
        yield started


def tracker(sandbox: Sandbox, **options: Any) -> Bitrix24Tracker:
    config = settings(**options)
    return Bitrix24Tracker(sandbox.client(config), config.tasks)


def create(sandbox: Sandbox, count: int = 1) -> list[TrackedItem]:
    """``count`` Bitrix tasks made by the handler, as the tracker's items."""
    config = settings()
    client = sandbox.client(config)
    handler = PeopleTasks(client, config.tasks, portal_base(client))
    items = []
    for n in range(count):
        outcome = handler(context(properties=PROPS, task_id=f"ext-{n}"))
        assert isinstance(outcome, Tracked)
        items.append(TrackedItem(f"ext-{n}", outcome.id, outcome.url, "pi-1", "Review", "bitrix24.task"))
    return items


def variables(outcome: object) -> dict[str, Any]:
    assert isinstance(outcome, CompleteOutcome), outcome
    return untyped(outcome.variables)


def test_open_tasks_are_left_out(sandbox: Sandbox) -> None:
    items = create(sandbox, 2)
    assert tracker(sandbox).check(items) == {}


def test_a_completed_task_gives_its_result_variables(sandbox: Sandbox) -> None:
    (item,) = create(sandbox)
    sandbox.control("POST", f"tasks/{item.external_id}/close", {"result": "first try"})
    sandbox.control("POST", f"tasks/{item.external_id}/status", {"status": 3})
    close = {"by": 4, "result": "Approved, ship it", "field": "UF_RESULT_ANSWER", "value": "Y"}
    sandbox.control("POST", f"tasks/{item.external_id}/close", close)
    values = variables(tracker(sandbox).check([item])["ext-0"])
    closed = values.pop("bitrix_closed_date")
    assert isinstance(closed, datetime) and closed.tzinfo is not None
    assert values == {
        "bitrix_task_id": int(item.external_id),
        "bitrix_task_status": 5,
        "bitrix_closed_by": 4,
        "bitrix_result": "Approved, ship it",
        "bitrix_answer": True,
    }


def test_without_a_result_or_an_answer_those_variables_are_null(sandbox: Sandbox) -> None:
    (item,) = create(sandbox)
    sandbox.control("POST", f"tasks/{item.external_id}/close")
    values = variables(tracker(sandbox).check([item])["ext-0"])
    assert values["bitrix_result"] is None and values["bitrix_answer"] is None


def test_awaiting_control_counts_as_done_only_when_configured(sandbox: Sandbox) -> None:
    (item,) = create(sandbox)
    sandbox.control("POST", f"tasks/{item.external_id}/status", {"status": 4, "by": 3})
    assert tracker(sandbox).check([item]) == {}
    values = variables(tracker(sandbox, tasks={"accept_awaiting_control": True}).check([item])["ext-0"])
    assert values["bitrix_task_status"] == 4 and values["bitrix_closed_by"] == 3


def test_result_variable_names_are_configurable(sandbox: Sandbox) -> None:
    (item,) = create(sandbox)
    sandbox.control("POST", f"tasks/{item.external_id}/close", {"field": "UF_OK", "value": "нет"})
    options = {
        "results": {"answer": "approved", "result": None, "closed_date": None},
        "answer": {"field": "UF_OK"},
    }
    values = variables(tracker(sandbox, tasks=options).check([item])["ext-0"])
    assert values["approved"] is False
    assert "bitrix_result" not in values and "bitrix_closed_date" not in values


def test_a_deleted_task_is_the_configured_bpmn_error(sandbox: Sandbox) -> None:
    first, second = create(sandbox, 2)
    sandbox.control("DELETE", f"tasks/{first.external_id}")
    outcomes = tracker(sandbox, tasks={"deleted_error_code": "GONE"}).check([first, second])
    assert list(outcomes) == ["ext-0"]
    outcome = outcomes["ext-0"]
    assert isinstance(outcome, BpmnErrorOutcome) and outcome.code == "GONE"
    assert f"Bitrix24 task {first.external_id} was deleted" in (outcome.message or "")


def test_one_list_request_per_50_tasks_and_one_batch_for_the_results(sandbox: Sandbox) -> None:
    items = create(sandbox, 60)
    for item in items[:55]:
        sandbox.control("POST", f"tasks/{item.external_id}/close", {"result": f"done {item.external_id}"})
    before = sandbox.requests()
    outcomes = tracker(sandbox).check(items)
    after = sandbox.requests()
    assert len(outcomes) == 55
    assert after["tasks.task.list"] - before["tasks.task.list"] == 2
    assert after.get("batch", 0) - before.get("batch", 0) == 2  # 55 result lists: 50 + 5
    assert variables(outcomes["ext-54"])["bitrix_result"] == f"done {items[54].external_id}"


def test_a_portal_outage_postpones_the_check(sandbox: Sandbox) -> None:
    (item,) = create(sandbox)
    sandbox.control("POST", f"tasks/{item.external_id}/close")
    sandbox.control("POST", "faults", {"kind": "server_error", "count": 10})
    assert tracker(sandbox).check([item]) == {}


@pytest.mark.parametrize(("action", "status"), [("defer", "6"), ("complete", "5")])
def test_a_cancelled_instance_comments_and_defers_or_completes_the_task(
    sandbox: Sandbox, action: str, status: str
) -> None:
    (item,) = create(sandbox)
    tracker(sandbox, tasks={"on_cancel": {"action": action}}).cancelled(item)
    task = sandbox.control("GET", f"tasks/{item.external_id}")
    assert task["fields"]["status"] == status
    (comment,) = task["comments"]
    assert "pi-1 was cancelled" in comment["POST_MESSAGE"]


def test_cancelling_a_closed_or_deleted_task_is_only_logged(sandbox: Sandbox) -> None:
    closed, deleted = create(sandbox, 2)
    sandbox.control("POST", f"tasks/{closed.external_id}/close")
    sandbox.control("DELETE", f"tasks/{deleted.external_id}")
    watcher = tracker(sandbox)
    watcher.cancelled(closed)
    watcher.cancelled(deleted)
    assert sandbox.control("GET", f"tasks/{closed.external_id}")["fields"]["status"] == "5"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Y", True), ("да", True), ("1", True), (True, True), ("N", False), ("No", False),
     ("26", True), ("27", False), (["26"], True), ("", None), (None, None), ("maybe", None)],
)  # fmt: skip
def test_the_yes_no_field_becomes_a_boolean(raw: object, expected: bool | None) -> None:
    answer = AnswerField(values={"26": True, "27": False})
    assert answer_value(raw, answer) is expected
