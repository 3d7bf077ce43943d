"""The OpenProject tracker against ``responses``: batches, pages, outcomes, variables, cancellation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from core.contracts import BpmnErrorOutcome, CompleteOutcome, FailureOutcome
from core.contracts.result import untyped
from core.tracking import TrackedItem
from systems.openproject.errors import OpenProjectConflict
from systems.openproject.tracker import OpenProjectTracker
from tests.fixtures.openproject.support import (
    API,
    STATUSES,
    catalogue,
    client,
    collection,
    hal_error,
    settings,
    work_package,
)

LIST = f"{API}/work_packages"
CLOSED, REJECTED, IN_PROGRESS = 5, 6, 2


def tracker(**options: Any) -> OpenProjectTracker:
    return OpenProjectTracker(client(), settings(**options))


def item(wp_id: int | str, *, gateway: bool = False) -> TrackedItem:
    return TrackedItem(f"t{wp_id}", str(wp_id), None, "pi-1", "Approve", "openproject.work_package", gateway)


def statuses() -> None:
    responses.get(f"{API}/statuses", json=catalogue(STATUSES, "statuses"))


def listed(*work_packages: dict[str, Any]) -> None:
    responses.get(LIST, json=collection(list(work_packages)))


def activities(wp_id: int, *comments: tuple[str, str]) -> None:
    elements = [{"id": 1, "_type": "Activity", "comment": {"raw": ""}, "createdAt": "2024-05-01T08:00:00Z"}]
    elements += [
        {
            "id": n + 2,
            "_type": "Activity::Comment",
            "comment": {"format": "markdown", "raw": text},
            "createdAt": at,
        }
        for n, (text, at) in enumerate(comments)
    ]
    responses.get(f"{API}/work_packages/{wp_id}/activities", json=collection(elements))


def variables(outcome: object) -> dict[str, Any]:
    assert isinstance(outcome, CompleteOutcome | BpmnErrorOutcome), outcome
    return untyped(outcome.variables)


def list_queries() -> list[dict[str, list[str]]]:
    urls = [urlsplit(str(c.request.url)) for c in responses.calls]
    return [parse_qs(url.query) for url in urls if url.path == "/api/v3/work_packages"]


@responses.activate
def test_items_are_checked_in_collection_requests_of_ids_per_request() -> None:
    statuses()
    responses.get(LIST, json=collection([]))  # nothing listed: each id is then read alone
    for wp_id in range(1, 121):
        responses.get(f"{API}/work_packages/{wp_id}", json=work_package(wp_id, status=IN_PROGRESS))
    assert tracker(ids_per_request=50).check([item(i) for i in range(1, 121)]) == {}
    queries = list_queries()
    assert [q["pageSize"] for q in queries] == [["50"], ["50"], ["20"]]
    ids = [json.loads(q["filters"][0])[0]["id"]["values"] for q in queries]
    assert ids[0] == [str(i) for i in range(1, 51)] and ids[2] == [str(i) for i in range(101, 121)]
    for q in queries:
        filters = json.loads(q["filters"][0])
        assert filters[0]["id"]["operator"] == "="
        assert filters[1] == {"status": {"operator": "*", "values": []}}  # closed ones too


@responses.activate
def test_a_capped_page_size_is_followed_by_page_number() -> None:
    statuses()
    for page, ids in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        body = collection([work_package(i, status=CLOSED) for i in ids], total=5, page_size=2, page=page)
        responses.get(
            LIST,
            json=body,
            match=[responses.matchers.query_param_matcher({"offset": str(page)}, strict_match=False)],
        )
    outcomes = tracker(results={"last_comment": None}).check([item(i) for i in range(1, 6)])
    assert sorted(outcomes) == ["t1", "t2", "t3", "t4", "t5"]
    assert [q["offset"] for q in list_queries()] == [["1"], ["2"], ["3"]]


@responses.activate
def test_a_closed_work_package_completes_with_its_result_variables() -> None:
    statuses()
    closed = work_package(
        7,
        status=CLOSED,
        assignee="Anna Petrova",
        updated_at="2024-05-02T10:30:00Z",
        customField2=1500,
        customField4={"format": "markdown", "raw": "ok"},
        _links={"customField6": {"href": "/api/v3/custom_options/11", "title": "Low"}},
    )
    listed(closed, work_package(8, status=IN_PROGRESS))
    activities(7, ("First look", "2024-05-01T09:00:00Z"), ("Approved, go ahead", "2024-05-02T10:29:00Z"))
    results = {
        "custom_fields": {"customField2": "approved_amount", "customField4": "notes", "customField6": "risk"}
    }
    outcomes = tracker(results=results).check([item(7), item(8)])
    assert list(outcomes) == ["t7"]  # the one in progress is left out
    assert variables(outcomes["t7"]) == {
        "op_work_package_id": 7,
        "op_status": "Closed",
        "op_closed_at": datetime(2024, 5, 2, 10, 30, tzinfo=UTC),
        "op_assignee": "Anna Petrova",
        "op_last_comment": "Approved, go ahead",
        "op_approved": True,
        "approved_amount": 1500,
        "notes": "ok",
        "risk": "Low",
    }
    typed = outcomes["t7"].variables  # type: ignore[union-attr]
    assert typed["op_approved"].type == "Boolean" and typed["op_closed_at"].type == "Date"


@responses.activate
def test_a_rejected_work_package_is_the_bpmn_error_with_approved_false() -> None:
    statuses()
    listed(work_package(9, status=REJECTED))
    activities(9, ("Too expensive", "2024-05-02T10:00:00Z"))
    outcome = tracker().check([item(9)])["t9"]
    assert isinstance(outcome, BpmnErrorOutcome) and outcome.code == "OPENPROJECT_REJECTED"
    assert "rejected" in (outcome.message or "")
    values = variables(outcome)
    assert values["op_approved"] is False and values["op_last_comment"] == "Too expensive"


@responses.activate
def test_a_rejection_that_answers_a_gateway_completes_with_approved_false() -> None:
    statuses()
    listed(work_package(9, status=REJECTED))
    outcome = tracker(results={"last_comment": None}).check([item(9, gateway=True)])["t9"]
    assert isinstance(outcome, CompleteOutcome)
    assert variables(outcome)["op_approved"] is False and variables(outcome)["op_status"] == "Rejected"


@responses.activate
def test_rejected_statuses_and_error_codes_are_configurable() -> None:
    statuses()
    listed(work_package(3, status=CLOSED))
    outcome = tracker(
        rejected_statuses=["closed"], errors={"rejected": "NOPE"}, results={"last_comment": None}
    ).check([item(3)])["t3"]
    assert isinstance(outcome, BpmnErrorOutcome) and outcome.code == "NOPE"


@responses.activate
def test_a_work_package_missing_from_the_list_and_answering_404_is_gone() -> None:
    statuses()
    listed(work_package(1, status=IN_PROGRESS))
    responses.get(
        f"{API}/work_packages/2",
        status=404,
        json=hal_error("NotFound", "The requested resource could not be found."),
    )
    responses.get(
        f"{API}/work_packages/3", json=work_package(3, status=CLOSED)
    )  # visible alone: judged as usual
    outcomes = tracker(results={"last_comment": None}).check([item(1), item(2), item(3)])
    gone = outcomes["t2"]
    assert isinstance(gone, BpmnErrorOutcome) and gone.code == "OPENPROJECT_GONE"
    assert isinstance(outcomes["t3"], CompleteOutcome) and "t1" not in outcomes


@responses.activate
def test_null_result_names_leave_variables_out() -> None:
    statuses()
    listed(work_package(4, status=CLOSED))
    nulls = {"closed_at": None, "assignee": None, "last_comment": None, "status": None}
    values = variables(tracker(results=nulls).check([item(4)])["t4"])
    assert values == {"op_work_package_id": 4, "op_approved": True}
    assert not [c for c in responses.calls if str(c.request.url).endswith("/activities")]


@responses.activate
def test_a_429_postpones_the_round_and_keeps_what_was_judged() -> None:
    statuses()
    listed(work_package(1, status=CLOSED))
    responses.get(
        LIST, status=429, json=hal_error("TooManyRequests", "slow down"), headers={"Retry-After": "3"}
    )
    outcomes = tracker(ids_per_request=1, results={"last_comment": None}).check([item(1), item(2), item(3)])
    assert list(outcomes) == ["t1"]  # item 2 got the 429; item 3 waits for the next poll
    assert len(list_queries()) == 2


@responses.activate
def test_a_refused_token_postpones_the_round_instead_of_failing_every_task() -> None:
    responses.get(LIST, status=401, json=hal_error("Unauthenticated", "You need to be authenticated."))
    assert tracker().check([item(1), item(2)]) == {}


@responses.activate
def test_a_reference_that_is_no_work_package_id_is_a_failure() -> None:
    outcomes = tracker().check([item("abc")])
    assert isinstance(outcomes["tabc"], FailureOutcome) and not outcomes["tabc"].retryable
    assert len(responses.calls) == 0


# --- cancellation --------------------------------------------------------------------------------


def patch_bodies() -> list[dict[str, Any]]:
    return [json.loads(c.request.body or b"{}") for c in responses.calls if c.request.method == "PATCH"]


@responses.activate
def test_cancellation_comments_then_sets_the_status_with_the_current_lock_version() -> None:
    statuses()
    responses.post(f"{API}/work_packages/7/activities", status=201, json={"_type": "Activity::Comment"})
    responses.get(f"{API}/work_packages/7", json=work_package(7, status=IN_PROGRESS, lock_version=3))
    responses.patch(f"{API}/work_packages/7", json=work_package(7, status=REJECTED, lock_version=4))
    tracker().cancelled(item(7))
    comment = json.loads(responses.calls[0].request.body or b"{}")["comment"]["raw"]
    assert "process instance pi-1 was cancelled" in comment
    assert patch_bodies() == [{"lockVersion": 3, "_links": {"status": {"href": "/api/v3/statuses/6"}}}]


@responses.activate
def test_a_409_is_read_again_and_applied_once_more() -> None:
    statuses()
    responses.post(f"{API}/work_packages/7/activities", status=201, json={})
    responses.get(f"{API}/work_packages/7", json=work_package(7, status=IN_PROGRESS, lock_version=3))
    responses.get(f"{API}/work_packages/7", json=work_package(7, status=IN_PROGRESS, lock_version=4))
    responses.patch(
        f"{API}/work_packages/7", status=409, json=hal_error("UpdateConflict", "changed meanwhile")
    )
    responses.patch(f"{API}/work_packages/7", json=work_package(7, status=REJECTED, lock_version=5))
    tracker().cancelled(item(7))
    assert [body["lockVersion"] for body in patch_bodies()] == [3, 4]


@responses.activate
def test_a_second_409_is_an_error() -> None:
    statuses()
    responses.post(f"{API}/work_packages/7/activities", status=201, json={})
    responses.get(f"{API}/work_packages/7", json=work_package(7, status=IN_PROGRESS, lock_version=3))
    responses.patch(
        f"{API}/work_packages/7", status=409, json=hal_error("UpdateConflict", "changed meanwhile")
    )
    with pytest.raises(OpenProjectConflict, match="changed under us 2 times"):
        tracker().cancelled(item(7))
    assert len(patch_bodies()) == 2


@responses.activate
def test_a_gone_work_package_needs_nothing_on_cancellation() -> None:
    responses.post(f"{API}/work_packages/7/activities", status=404, json=hal_error("NotFound", "not found"))
    tracker().cancelled(item(7))
    assert len(responses.calls) == 1


@responses.activate
def test_a_closed_work_package_keeps_its_status_and_no_status_means_comment_only() -> None:
    statuses()
    responses.post(f"{API}/work_packages/7/activities", status=201, json={})
    responses.get(f"{API}/work_packages/7", json=work_package(7, status=CLOSED))
    tracker().cancelled(item(7))
    tracker(on_cancel={"status": None}).cancelled(item(7))
    assert patch_bodies() == []
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 2
    assert (
        len(
            [
                c
                for c in responses.calls
                if c.request.method == "GET" and "/work_packages/7" in str(c.request.url)
            ]
        )
        == 1
    )
