"""The SMS Aero tracker against ``responses``: delivered, not delivered, waiting, struggling API."""

from __future__ import annotations

from typing import Any

import responses

from core.contracts import BpmnErrorOutcome, CompleteOutcome, FailureOutcome
from core.tracking import TrackedItem
from systems.smsaero.tracker import SmsAeroTracker
from tests.fixtures.smsaero.support import GATES, client, settings

STATUS = [gate + "sms/status" for gate in GATES]


def item(sms_id: str, task: str) -> TrackedItem:
    return TrackedItem(task, sms_id, None, "pi-1", "Notify", "sms.send")


def answer(sms_id: int, status: int, word: str) -> dict[str, object]:
    data = {"id": sms_id, "number": "79990000000", "text": "Hi", "status": status, "extendStatus": word}
    return {"success": True, "data": {**data, "cost": "4.99", "dateCreate": 1}, "message": None}


def tracker() -> SmsAeroTracker:
    return SmsAeroTracker(client(), settings())


def by_id(sms_id: int) -> Any:
    return responses.matchers.json_params_matcher({"id": sms_id})


@responses.activate
def test_delivered_completes_not_delivered_is_the_bpmn_error_and_waiting_stays_open() -> None:
    responses.post(STATUS[0], json=answer(1, 1, "delivery"), match=[by_id(1)])
    responses.post(STATUS[0], json=answer(2, 2, "delivery_error"), match=[by_id(2)])
    responses.post(STATUS[0], json=answer(3, 6, "reject"), match=[by_id(3)])
    responses.post(STATUS[0], json=answer(4, 0, "queue"), match=[by_id(4)])
    outcomes = tracker().check([item("1", "t1"), item("2", "t2"), item("3", "t3"), item("4", "t4")])
    assert set(outcomes) == {"t1", "t2", "t3"}
    done = outcomes["t1"]
    assert isinstance(done, CompleteOutcome)
    assert {k: v.value for k, v in done.variables.items()} == {
        "sms_id": 1,
        "sms_status": "delivery",
        "sms_cost": 4.99,
    }
    for task, word in (("t2", "delivery_error"), ("t3", "reject")):
        failed = outcomes[task]
        assert isinstance(failed, BpmnErrorOutcome) and failed.code == "SMS_NOT_DELIVERED"
        assert word in (failed.message or "")


@responses.activate
def test_a_struggling_api_postpones_the_rest_of_the_batch() -> None:
    responses.post(STATUS[0], json=answer(1, 1, "delivery"), match=[by_id(1)])
    responses.post(STATUS[0], status=429, json={"success": False, "message": "Too Many Requests"})
    outcomes = tracker().check([item("1", "t1"), item("2", "t2"), item("3", "t3")])
    assert list(outcomes) == ["t1"] and len(responses.calls) == 2


@responses.activate
def test_an_unknown_sms_is_a_failure_and_a_bad_reference_too() -> None:
    responses.post(STATUS[0], status=404, json={"success": False, "data": None, "message": "Not found."})
    outcomes = tracker().check([item("5", "t5"), item("abc", "t6")])
    assert isinstance(outcomes["t5"], FailureOutcome) and "Not found" in outcomes["t5"].message
    assert isinstance(outcomes["t6"], FailureOutcome)


@responses.activate
def test_refused_credentials_postpone_the_batch_instead_of_failing_every_task() -> None:
    responses.post(STATUS[0], status=401, json={"success": False, "message": "invalid credentials"})
    assert tracker().check([item("1", "t1"), item("2", "t2")]) == {}
