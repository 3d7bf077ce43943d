"""The work package action against ``responses``: fields, project order, the form check, the lookup."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from core.actions.outcomes import Tracked
from core.errors import PermanentError
from systems.openproject import build_router
from systems.openproject.errors import WorkPackageIncomplete
from systems.openproject.work_packages import CreateWorkPackage
from tests.fixtures.openproject.support import (
    API,
    BASE,
    PRIORITIES,
    TYPES,
    catalogue,
    client,
    collection,
    context,
    field,
    form,
    settings,
    work_package,
)

NOW = datetime(2024, 5, 1, 22, 30, tzinfo=UTC)  # already May 2nd in Moscow


def action(**options: Any) -> CreateWorkPackage:
    options.setdefault("default_project", "demo")
    return CreateWorkPackage(client(), settings(**options), clock=lambda: NOW)


def serve(
    project: str = "demo",
    *,
    the_form: dict[str, Any] | None = None,
    existing: list[int] | None = None,
    created: int = 42,
) -> None:
    """Catalogues, the project's form, the lookup and the create, as OpenProject answers them."""
    responses.get(f"{API}/types", json=catalogue(TYPES, "types"))
    responses.get(f"{API}/priorities", json=catalogue(PRIORITIES, "priorities"))
    responses.post(f"{API}/projects/{project}/work_packages/form", json=the_form or form())
    found = [work_package(i, status=5) for i in existing or []]
    responses.get(f"{API}/projects/{project}/work_packages", json=collection(found))
    responses.post(f"{API}/projects/{project}/work_packages", status=201, json=work_package(created))


def calls(method: str, path: str) -> list[Any]:
    return [c for c in responses.calls if c.request.method == method and urlsplit(c.request.url).path == path]


def created_body() -> dict[str, Any]:
    (call,) = calls("POST", "/api/v3/projects/demo/work_packages")
    body: dict[str, Any] = json.loads(call.request.body)
    return body


@responses.activate
def test_a_work_package_gets_every_field_from_properties_variables_lanes_and_options() -> None:
    schema = {
        "customField3": field("Amount", "Float"),
        "customField4": field("Notes", "Formattable"),
        "customField6": field(
            "Risk",
            "CustomOption",
            location="_links",
            _embedded={
                "allowedValues": [{"value": "Low", "_links": {"self": {"href": "/api/v3/custom_options/11"}}}]
            },
        ),
    }
    serve(the_form=form(schema))
    handler = action(
        default_type="Task",
        lane_assignees={"Sales manager": 5},
        custom_fields={"customField3": "amount", "customField4": "notes"},
        instance_url="https://camunda.example/#/process-instance/{process_instance_id}",
        timezone="Europe/Moscow",
    )
    task = context(
        variables={
            "customer": "ACME",
            "amount": 1200.5,
            "notes": "Call first",
            "op_responsible_id": 9,
            "op_parent_id": "77",
        },
        properties={
            "openproject.subject": "Approve the offer for {{ customer }}",
            "openproject.priority": "high",
            "openproject.dueDate": "P3D",
            "openproject.startDate": "2024-05-03",
            "openproject.customField6": "low",
        },
        documentation="Check the discount.",
        lane="sales manager ",
    )
    outcome = handler(task)
    assert outcome == Tracked("42", f"{BASE}/work_packages/42")
    body = created_body()
    assert body["subject"] == "Approve the offer for ACME"
    raw = body["description"]["raw"]
    assert body["description"]["format"] == "markdown"
    assert raw.startswith("Check the discount.\n\n---\n**Process:** Offer approval")
    assert "[pi-1](https://camunda.example/#/process-instance/pi-1)" in raw
    assert (body["startDate"], body["dueDate"]) == ("2024-05-03", "2024-05-05")  # Moscow's today + 3 days
    assert body["customField1"] == "ext-1"
    assert body["customField3"] == 1200.5
    assert body["customField4"] == {"format": "markdown", "raw": "Call first"}
    assert body["_links"] == {
        "type": {"href": "/api/v3/types/1"},
        "priority": {"href": "/api/v3/priorities/8"},
        "assignee": {"href": "/api/v3/users/5"},
        "responsible": {"href": "/api/v3/users/9"},
        "parent": {"href": "/api/v3/work_packages/77"},
        "customField6": {"href": "/api/v3/custom_options/11"},
    }
    (form_call,) = calls("POST", "/api/v3/projects/demo/work_packages/form")
    assert json.loads(form_call.request.body) == {"_links": {"type": {"href": "/api/v3/types/1"}}}


@responses.activate
def test_names_ids_and_forms_are_read_once_per_process() -> None:
    serve()
    handler = action(default_type="Task", default_priority="Normal")
    for n in range(3):
        assert isinstance(handler(context(task_id=f"ext-{n}")), Tracked)
    assert len(calls("GET", "/api/v3/types")) == 1
    assert len(calls("GET", "/api/v3/priorities")) == 1
    assert len(calls("POST", "/api/v3/projects/demo/work_packages/form")) == 1
    assert len(calls("POST", "/api/v3/projects/demo/work_packages")) == 3


@responses.activate
def test_an_unknown_type_is_looked_up_again_then_refused_naming_the_known_ones() -> None:
    serve()
    with pytest.raises(
        PermanentError, match=r"option default_type: no type named 'Bug' \(known: Milestone, Task\)"
    ):
        action(default_type="Bug")(context())
    assert len(calls("GET", "/api/v3/types")) == 2  # a fresh read before giving up
    assert calls("POST", "/api/v3/projects/demo/work_packages") == []


@pytest.mark.parametrize(
    ("properties", "variables", "expected"),
    [
        (
            {"openproject.project": "{{ region }}-sales"},
            {"region": "north", "op_project": "other"},
            "north-sales",
        ),
        ({}, {"op_project": 12}, "12"),
        ({}, {}, "demo"),
    ],
)
@responses.activate
def test_the_project_comes_from_the_property_then_the_variable_then_the_option(
    properties: dict[str, str], variables: dict[str, Any], expected: str
) -> None:
    serve(expected)
    action()(context(properties=properties, variables=variables))
    assert len(calls("POST", f"/api/v3/projects/{expected}/work_packages")) == 1


def test_without_any_project_the_error_names_all_three_places() -> None:
    handler = CreateWorkPackage(client(), settings(), clock=lambda: NOW)
    with pytest.raises(PermanentError) as caught:
        handler(context())
    text = str(caught.value)
    assert "openproject.project" in text and "'op_project'" in text and "default_project" in text


def test_a_project_that_is_no_identifier_is_refused_before_any_call() -> None:
    with pytest.raises(PermanentError, match="is not a project id or identifier"):
        action()(context(variables={"op_project": "../admin"}))


@responses.activate
def test_a_required_field_the_task_leaves_empty_is_named_and_nothing_is_created() -> None:
    schema = {
        "customField5": field("Budget", "Integer", required=True),
        "category": field("Category", "Category", required=True, location="_links"),
    }
    serve(the_form=form(schema))
    with pytest.raises(WorkPackageIncomplete) as caught:
        action()(context())
    assert "'demo' requires Budget (customField5), Category (category)" in str(caught.value)
    assert calls("POST", "/api/v3/projects/demo/work_packages") == []
    assert calls("GET", "/api/v3/projects/demo/work_packages") == []


@responses.activate
def test_a_required_field_filled_by_the_task_or_by_the_forms_defaults_passes() -> None:
    schema = {
        "customField5": field("Budget", "Integer", required=True),
        "version": field("Version", "Version", required=True, location="_links"),
    }
    payload = {"subject": "", "_links": {"version": {"href": "/api/v3/versions/3"}}}
    serve(the_form=form(schema, payload))
    outcome = action(custom_fields={"customField5": "budget"})(context(variables={"budget": 500}))
    assert outcome == Tracked("42", f"{BASE}/work_packages/42")
    assert created_body()["customField5"] == 500


@responses.activate
def test_a_task_id_field_the_project_does_not_have_is_a_clear_error() -> None:
    serve(the_form=form({"customField1": None}))
    with pytest.raises(PermanentError, match="option task_id_field fills customField9, which is not a field"):
        action(task_id_field="customField9")(context())


@responses.activate
def test_the_lookup_finds_the_work_package_an_earlier_attempt_created() -> None:
    serve(existing=[77, 75])
    outcome = action()(context())
    assert outcome == Tracked("75", f"{BASE}/work_packages/75")  # the oldest
    assert calls("POST", "/api/v3/projects/demo/work_packages") == []
    (lookup,) = calls("GET", "/api/v3/projects/demo/work_packages")
    filters = json.loads(parse_qs(urlsplit(lookup.request.url).query)["filters"][0])
    assert filters == [
        {"customField1": {"operator": "=", "values": ["ext-1"]}},
        {"status": {"operator": "*", "values": []}},
    ]


@pytest.mark.parametrize(("resumed", "looked"), [(False, 0), (True, 1)])
@responses.activate
def test_lookup_resumed_looks_only_when_an_earlier_run_may_have_created_it(
    resumed: bool, looked: int
) -> None:
    serve()
    action(lookup="resumed")(context(resumed=resumed))
    assert len(calls("GET", "/api/v3/projects/demo/work_packages")) == looked
    assert len(calls("POST", "/api/v3/projects/demo/work_packages")) == 1


@responses.activate
def test_a_long_subject_is_cut_at_a_word_to_255_characters() -> None:
    serve()
    words = " ".join(f"word{n:03d}" for n in range(60))  # 479 characters
    action(subject="{{ title }}")(context(variables={"title": words}))
    subject = created_body()["subject"]
    assert len(subject) <= 255 and subject.endswith("…")
    assert words.startswith(subject[:-1]) and subject[-2].isdigit()


@responses.activate
def test_whitespace_in_a_subject_becomes_single_spaces() -> None:
    serve()
    action(subject="{{ title }}")(context(variables={"title": "  two\n\nlines  "}))
    assert created_body()["subject"] == "two lines"


def test_an_empty_subject_fails_naming_the_template() -> None:
    with pytest.raises(
        PermanentError, match=r"subject of activity .* is empty .*extension property openproject\.subject"
    ):
        action()(context(properties={"openproject.subject": "{{ blank }}"}, variables={"blank": "   "}))


def test_a_bad_date_names_where_it_came_from() -> None:
    with pytest.raises(PermanentError, match="variable op_due_date is neither a date"):
        action()(context(variables={"op_due_date": "next week"}))


@responses.activate
def test_the_router_serves_the_configured_topic() -> None:
    router = build_router(settings(topic="op.wp", default_project="demo"), client())
    assert router.topics == ["op.wp"]
