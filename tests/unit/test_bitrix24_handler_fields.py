"""Building the fields of a Bitrix24 people task from its Camunda task (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import PermanentError
from systems.bitrix24.description import split_documentation
from systems.bitrix24.fields import TaskDraft, build_draft
from systems.bitrix24.settings import TaskOptions
from systems.bitrix24.values import duration
from tests.fixtures.bitrix24.support import context, settings

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
DOC = """Check the invoice against the order.
Checklist:
- Amounts match
* VAT is right
2) Signed by the supplier
Escalate to finance if anything is off."""


def draft(options: TaskOptions | None = None, **kwargs: object) -> TaskDraft:
    kwargs.setdefault("variables", {"responsible": 5})
    kwargs.setdefault("properties", {"bitrix.responsible": "{{ responsible }}"})
    return build_draft(context(**kwargs), options or TaskOptions(), NOW)  # type: ignore[arg-type]


def error_of(options: TaskOptions | None = None, **kwargs: object) -> str:
    with pytest.raises(PermanentError) as caught:
        draft(options, **kwargs)
    return str(caught.value)


# --- title -------------------------------------------------------------------------------


def test_the_title_is_the_activity_name_by_default() -> None:
    assert draft().fields["TITLE"] == "Check the invoice"


def test_a_title_template_is_filled_from_variables_including_nested_ones() -> None:
    fields = draft(
        variables={"responsible": 5, "order": {"no": "A-17", "lines": [{"sku": "X1"}]}},
        properties={"bitrix.responsible": "5", "bitrix.title": "Order {{ order.no }}: {{order.lines.0.sku}}"},
    ).fields
    assert fields["TITLE"] == "Order A-17: X1"


def test_a_missing_template_variable_is_a_clear_error() -> None:
    message = error_of(properties={"bitrix.responsible": "5", "bitrix.title": "Order {{ order_no }}"})
    assert "extension property bitrix.title" in message and "'order_no' is missing" in message


def test_a_template_cannot_run_code() -> None:
    message = error_of(properties={"bitrix.responsible": "5", "bitrix.title": "{{ ''.__class__ }}"})
    assert "is not a placeholder" in message


def test_without_a_name_the_default_title_names_the_activity_and_process() -> None:
    assert draft(name=None).fields["TITLE"] == "Review (Offer approval)"


# --- description ---------------------------------------------------------------------------


def test_the_description_has_the_documentation_the_process_and_a_link_to_the_instance() -> None:
    options = TaskOptions(instance_url="https://camunda.example/#/process-instance/{process_instance_id}")
    description = draft(options, documentation=DOC).fields["DESCRIPTION"]
    assert description.startswith("Check the invoice against the order.\nEscalate to finance")
    assert "Process: Offer approval" in description
    assert "[URL=https://camunda.example/#/process-instance/pi-1]pi-1[/URL]" in description
    assert "Amounts match" not in description  # the checklist left the description


def test_a_description_template_replaces_the_documentation_and_the_footer_is_optional() -> None:
    options = TaskOptions(description_footer=None)
    fields = draft(
        options,
        documentation="ignored",
        variables={"responsible": 5, "amount": 1250.5},
        properties={
            "bitrix.responsible": "5",
            "bitrix.description": "Pay {{ amount }} for {{ business_key }}",
        },
    ).fields
    assert fields["DESCRIPTION"] == "Pay 1250.5 for order-7"


# --- people --------------------------------------------------------------------------------


def test_the_responsible_person_comes_from_the_property_first() -> None:
    fields = draft(variables={"bitrix_responsible_id": 9}, properties={"bitrix.responsible": "4"}).fields
    assert fields["RESPONSIBLE_ID"] == 4


def test_then_from_the_process_variable() -> None:
    fields = draft(variables={"bitrix_responsible_id": "9"}, properties={}, lane="Manager").fields
    assert fields["RESPONSIBLE_ID"] == 9


def test_then_from_the_lane_map_ignoring_case() -> None:
    options = TaskOptions(lane_users={"Manager": 2, "Director": 3})
    assert draft(options, variables={}, properties={}, lane="director").fields["RESPONSIBLE_ID"] == 3


def test_then_the_default_and_otherwise_an_error_that_says_what_to_set() -> None:
    assert draft(TaskOptions(default_responsible=1), variables={}, properties={}).responsible == 1
    message = error_of(variables={}, properties={}, lane="Nobody")
    assert "bitrix.responsible" in message and "bitrix_responsible_id" in message and "Nobody" in message


def test_a_responsible_that_is_not_a_user_id_is_refused() -> None:
    assert "is not a Bitrix24 user id: 'Ivan'" in error_of(properties={"bitrix.responsible": "Ivan"})


def test_creator_auditors_accomplices_group_priority_tags_and_parent() -> None:
    options = TaskOptions(default_tags=["camunda"], default_group=11)
    fields = draft(
        options,
        variables={"responsible": 5, "watchers": [3, "4", 3], "boss": 2, "bitrix_parent_task_id": 77},
        properties={
            "bitrix.responsible": "{{ responsible }}",
            "bitrix.creator": "{{ boss }}",
            "bitrix.auditors": "{{ watchers }}",
            "bitrix.accomplices": "6; 7, 8",
            "bitrix.priority": "high",
            "bitrix.tags": "invoice, {{ business_key }}",
        },
    ).fields
    assert fields["CREATED_BY"] == 2
    assert fields["ACCOMPLICES"] == [6, 7, 8]
    assert fields["GROUP_ID"] == 11 and fields["PRIORITY"] == 2 and fields["PARENT_ID"] == 77
    assert fields["TAGS"] == ["camunda", "invoice", "order-7"]


def test_auditors_from_a_json_list_variable() -> None:
    fields = draft(variables={"responsible": 5, "bitrix_auditors": [3, 4]}).fields
    assert fields["AUDITORS"] == [3, 4]


def test_fields_nobody_set_are_left_out() -> None:
    fields = draft().fields
    assert not {"CREATED_BY", "AUDITORS", "ACCOMPLICES", "GROUP_ID", "DEADLINE", "PRIORITY", "TAGS"} & set(
        fields
    )


# --- deadline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelled", "expected"),
    [
        ("P2D", NOW + timedelta(days=2)),
        ("PT4H30M", NOW + timedelta(hours=4, minutes=30)),
        ("1d 4h", NOW + timedelta(days=1, hours=4)),
        ("+90m", NOW + timedelta(minutes=90)),
    ],
)
def test_a_relative_deadline_counts_from_now(spelled: str, expected: datetime) -> None:
    fields = draft(properties={"bitrix.responsible": "5", "bitrix.deadline": spelled}).fields
    assert fields["DEADLINE"] == expected.isoformat(timespec="seconds")


def test_an_absolute_deadline_from_a_date_ends_that_day_in_the_configured_zone() -> None:
    options = TaskOptions(timezone="Europe/Moscow")
    fields = draft(options, properties={"bitrix.responsible": "5", "bitrix.deadline": "2025-03-31"}).fields
    assert fields["DEADLINE"] == "2025-03-31T23:59:59+03:00"


def test_a_deadline_variable_may_be_a_date_a_datetime_or_text() -> None:
    at = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
    assert draft(variables={"responsible": 5, "bitrix_deadline": at}).fields["DEADLINE"] == at.isoformat()
    assert (
        draft(variables={"responsible": 5, "bitrix_deadline": "2025-04-02"}).fields["DEADLINE"]
        == "2025-04-02T23:59:59+00:00"
    )
    assert (
        draft(variables={"responsible": 5, "bitrix_deadline": "2025-04-03T10:00:00+05:00"}).fields["DEADLINE"]
        == "2025-04-03T10:00:00+05:00"
    )


def test_a_deadline_template_and_a_bad_deadline() -> None:
    fields = draft(
        variables={"responsible": 5, "due": "P1W"},
        properties={"bitrix.responsible": "5", "bitrix.deadline": "{{ due }}"},
    ).fields
    assert fields["DEADLINE"] == (NOW + timedelta(weeks=1)).isoformat(timespec="seconds")
    message = error_of(properties={"bitrix.responsible": "5", "bitrix.deadline": "next friday"})
    assert "extension property bitrix.deadline" in message and "next friday" in message


def test_durations() -> None:
    assert duration("P1DT2H") == timedelta(days=1, hours=2)
    assert duration("P") is None and duration("2025-01-01") is None and duration("5 apples") is None


# --- checklist ------------------------------------------------------------------------------


def test_the_checklist_comes_from_the_documentation_list() -> None:
    assert draft(documentation=DOC).checklist == ("Amounts match", "VAT is right", "Signed by the supplier")


def test_the_checklist_property_wins_and_is_templated() -> None:
    result = draft(
        documentation=DOC,
        variables={"responsible": 5, "supplier": "ACME"},
        properties={"bitrix.responsible": "5", "bitrix.checklist": "Call {{ supplier }};\nFile it; "},
    )
    assert result.checklist == ("Call ACME", "File it")


def test_a_documentation_without_a_checklist_header_keeps_its_lists() -> None:
    parts = split_documentation("Steps:\n- one\n- two")
    assert parts.checklist == () and parts.text == "Steps:\n- one\n- two"
    russian = split_documentation("Текст\nЧек-лист:\n• Проверить\n• Подписать")
    assert russian.checklist == ("Проверить", "Подписать") and russian.text == "Текст"


# --- user fields --------------------------------------------------------------------------


def test_user_fields_carry_the_external_task_the_instance_and_the_activity() -> None:
    fields = draft(task_id="ext-42", instance_id="pi-9").fields
    assert fields["UF_CAMUNDA_ID_EXTERNAL_TASK"] == "ext-42"
    assert fields["UF_PROCESS_INSTANCE_ID"] == "pi-9"
    assert fields["UF_ELEMENT_ID"] == "Review"


def test_user_field_names_are_configurable_and_optional() -> None:
    options = settings(
        tasks={"fields": {"external_task_id": "UF_EXT", "process_instance_id": "UF_PI", "activity_id": None}}
    ).tasks
    fields = draft(options).fields
    assert fields["UF_EXT"] == "ext-1" and fields["UF_PI"] == "pi-1"
    assert not [name for name in fields if name.startswith("UF_") and name not in ("UF_EXT", "UF_PI")]


def test_previous_results_flag_from_option_and_property() -> None:
    assert draft().previous_results is False
    assert draft(TaskOptions(previous_results=True)).previous_results is True
    flagged = draft(properties={"bitrix.responsible": "5", "bitrix.previousResults": "true"})
    assert flagged.previous_results is True
