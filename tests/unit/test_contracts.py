"""Message contracts: round trips, refusal with a path, typed variables, committed JSON Schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from core.camunda.variables import FileRef, encode_variables
from core.contracts import (
    ActivityInfo,
    BpmnErrorOutcome,
    CompleteOutcome,
    ExternalTaskInfo,
    FailureOutcome,
    ProcessInfo,
    ResultMessage,
    RoutingInfo,
    TaskMessage,
    TaskRef,
    TrackedOutcome,
    TrackedReference,
    parse_result_message,
    parse_task_message,
)
from core.contracts.base import TypedVariable
from core.contracts.result import typed, untyped
from core.contracts.schemas import main as write_schemas
from core.contracts.schemas import render, schema_documents
from core.errors import ContractError
from tests.support.required import missing

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"
JSONSCHEMA = "`make venv` (jsonschema is in requirements-dev.txt)"
WHEN = datetime(2026, 3, 4, 5, 6, 7, 123_000, tzinfo=UTC)


def task_message() -> TaskMessage:
    variables = encode_variables(
        {
            "order": {"id": 42, "client": "ООО Ромашка"},
            "due": datetime(2026, 3, 10, 18, 0, tzinfo=timezone(timedelta(hours=3))),
            "amount": 5_000_000_000,
            "urgent": True,
            "note": None,
        }
    )
    variables["scan"] = {
        "type": "File",
        "value": None,
        "valueInfo": {"filename": "scan.pdf", "mimeType": "application/pdf"},
    }
    return TaskMessage(
        message_id="m-1",
        trace_id="trace-1",
        task=ExternalTaskInfo(
            id="t-1",
            topic="bitrix24.task",
            worker_id="w-1",
            lock_expires_at=WHEN,
            lock_duration_ms=300_000,
            retries=3,
            priority=50,
            business_key="order-42",
            created_at=WHEN,
        ),
        process=ProcessInfo(
            definition_id="orders:3:abc",
            definition_key="orders",
            instance_id="pi-1",
            version_tag="2.1",
            name="Заявка",
        ),
        activity=ActivityInfo(
            id="Activity_Create",
            instance_id="Activity_Create:1",
            name="Создать задачу",
            type="serviceTask",
            lane="Продажи",
            extension_properties={"system": "bitrix24"},
            input_parameters={"title": "Заявка ${orderId}", "missing": None},
            output_parameters={"dealId": "${dealId}"},
            caught_error_codes=["CLIENT_NOT_FOUND"],
        ),
        variables={name: TypedVariable(**body) for name, body in variables.items()},
        routing=RoutingInfo(system="bitrix24", routing_key="bitrix24", rule=1),
        fetched_at=WHEN,
    )


OUTCOMES = [
    CompleteOutcome(variables=typed({"dealId": 2**40, "payload": {"a": [1, 2]}})),
    FailureOutcome(message="Bitrix24 answered 503", details="trace…", retryable=True),
    BpmnErrorOutcome(code="CLIENT_NOT_FOUND", message="no such INN", variables=typed({"inn": "7700"})),
    TrackedOutcome(reference=TrackedReference(id="1234", url="https://acme.bitrix24.ru/company/tasks/1234/")),
]


def result_message(outcome: Any) -> ResultMessage:
    return ResultMessage(
        external_task_id="t-1",
        outcome=outcome,
        message_id="m-1",
        result_id="r-1",
        system="bitrix24",
        task=TaskRef(
            worker_id="w-1", topic="bitrix24.task", retries=3, caught_error_codes=["CLIENT_NOT_FOUND"]
        ),
        attempts=1,
        created_at=WHEN,
    )


def as_dict(message: TaskMessage | ResultMessage) -> dict[str, Any]:
    return json.loads(message.to_json())  # type: ignore[no-any-return]


# -- round trips ------------------------------------------------------------------------------------


def test_a_task_message_survives_the_round_trip_through_json() -> None:
    message = task_message()

    assert parse_task_message(message.to_json()) == message


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.kind)
def test_a_result_message_of_every_outcome_survives_the_round_trip(outcome: Any) -> None:
    message = result_message(outcome)

    parsed = parse_result_message(message.to_json())

    assert parsed == message
    assert type(parsed.outcome) is type(outcome)


def test_json_carries_the_schema_version_under_schema_and_leaves_out_empty_fields() -> None:
    body = as_dict(task_message())

    assert body["schema"] == "exchanger.task/1"
    assert "schema_" not in body
    assert "tenant_id" not in body["task"]
    assert "published_at" not in body
    assert body["activity"]["input_parameters"] == {"title": "Заявка ${orderId}", "missing": None}
    assert as_dict(result_message(OUTCOMES[0]))["schema"] == "exchanger.result/1"


def test_a_response_written_by_another_system_parses_from_plain_json() -> None:
    body = json.dumps(
        {
            "schema": "exchanger.result/1",
            "external_task_id": "t-9",
            "outcome": {"kind": "complete", "variables": {"approved": {"type": "Boolean", "value": True}}},
        }
    )

    message = parse_result_message(body)

    assert message.external_task_id == "t-9"
    assert isinstance(message.outcome, CompleteOutcome)
    assert untyped(message.outcome.variables) == {"approved": True}
    assert message.created_at.tzinfo is not None


# -- refusals name the path ------------------------------------------------------------------------------


def test_an_unknown_top_level_field_is_refused_by_name() -> None:
    body = as_dict(task_message()) | {"priority_boost": 1}

    with pytest.raises(ContractError, match="priority_boost"):
        parse_task_message(json.dumps(body))


def test_an_unknown_nested_field_is_refused_with_its_path() -> None:
    body = as_dict(task_message())
    body["task"]["lock_owner"] = "someone"

    with pytest.raises(ContractError, match=r"task\.lock_owner"):
        parse_task_message(json.dumps(body))


def test_a_task_message_of_another_schema_version_is_refused() -> None:
    body = as_dict(task_message()) | {"schema": "exchanger.task/2"}

    with pytest.raises(ContractError, match="schema"):
        parse_task_message(json.dumps(body))


def test_a_result_message_of_another_schema_version_is_refused() -> None:
    body = as_dict(result_message(OUTCOMES[0])) | {"schema": "exchanger.task/1"}

    with pytest.raises(ContractError, match="schema"):
        parse_result_message(json.dumps(body))


def test_a_result_without_an_outcome_is_refused() -> None:
    body = as_dict(result_message(OUTCOMES[0]))
    del body["outcome"]

    with pytest.raises(ContractError, match="outcome"):
        parse_result_message(json.dumps(body))


def test_an_outcome_of_an_unknown_kind_is_refused() -> None:
    body = as_dict(result_message(OUTCOMES[0]))
    body["outcome"] = {"kind": "done", "variables": {}}

    with pytest.raises(ContractError, match="outcome") as caught:
        parse_result_message(json.dumps(body))

    assert "done" in str(caught.value)


def test_an_outcome_without_its_discriminator_is_refused() -> None:
    body = as_dict(result_message(OUTCOMES[0]))
    body["outcome"] = {"variables": {}}

    with pytest.raises(ContractError, match="outcome"):
        parse_result_message(json.dumps(body))


def test_a_failure_outcome_without_a_message_is_refused_with_its_path() -> None:
    body = as_dict(result_message(OUTCOMES[1]))
    del body["outcome"]["message"]

    with pytest.raises(ContractError, match=r"outcome\.failure\.message"):
        parse_result_message(json.dumps(body))


def test_a_field_from_another_outcome_kind_is_refused() -> None:
    body = as_dict(result_message(OUTCOMES[0]))
    body["outcome"]["code"] = "X"

    with pytest.raises(ContractError, match=r"outcome\.complete\.code"):
        parse_result_message(json.dumps(body))


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_a_contract_error(body: bytes) -> None:
    with pytest.raises(ContractError):
        parse_task_message(body)
    with pytest.raises(ContractError):
        parse_result_message(body)


def test_a_typed_variable_without_its_type_is_refused_with_its_path() -> None:
    body = as_dict(task_message())
    body["variables"]["order"] = {"value": "{}"}

    with pytest.raises(ContractError, match=r"variables\.order\.type"):
        parse_task_message(json.dumps(body))


def test_contract_objects_cannot_be_changed() -> None:
    message = task_message()

    with pytest.raises(ValueError, match="frozen"):
        message.message_id = "other"  # type: ignore[misc]


# -- typed variables ----------------------------------------------------------------------------------------


def test_task_message_values_decode_the_typed_variables() -> None:
    values = task_message().values()

    assert values["order"] == {"id": 42, "client": "ООО Ромашка"}
    assert values["due"] == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert values["due"].utcoffset() == timedelta(hours=3)
    assert values["amount"] == 5_000_000_000
    assert values["urgent"] is True
    assert values["note"] is None
    assert values["scan"] == FileRef(
        name="scan",
        filename="scan.pdf",
        mime_type="application/pdf",
        encoding=None,
        process_instance_id="pi-1",
    )


def test_values_are_the_same_after_the_message_travels() -> None:
    message = task_message()

    assert parse_task_message(message.to_json()).values() == message.values()


def test_outcome_variables_keep_their_engine_types() -> None:
    outcome = CompleteOutcome(variables=typed({"big": 2**40, "small": 1, "flag": False, "when": WHEN}))

    assert {name: var.type for name, var in outcome.variables.items()} == {
        "big": "Long",
        "small": "Integer",
        "flag": "Boolean",
        "when": "Date",
    }
    assert untyped(outcome.variables) == {"big": 2**40, "small": 1, "flag": False, "when": WHEN}


def test_an_activity_catches_its_codes_or_everything() -> None:
    specific = ActivityInfo(id="a", caught_error_codes=["A"])
    catch_all = ActivityInfo(id="b", catches_all_errors=True)

    assert specific.catches("A")
    assert not specific.catches("B")
    assert catch_all.catches("ANYTHING")


# -- published JSON Schemas -------------------------------------------------------------------------------------


def test_the_committed_schema_files_are_what_the_models_render() -> None:
    documents = schema_documents()

    assert set(documents) == {
        "task-message.schema.json",
        "result-message.schema.json",
        "submit-message.schema.json",
        "reply-message.schema.json",
    }
    for filename, schema in documents.items():
        committed = (SCHEMA_DIR / filename).read_text(encoding="utf-8")
        assert committed == render(schema), f"{filename} is stale: run python -m core.contracts.schemas"


def test_the_schema_writer_produces_the_committed_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert write_schemas([str(tmp_path)]) == 0

    for filename in schema_documents():
        assert (tmp_path / filename).read_text(encoding="utf-8") == (SCHEMA_DIR / filename).read_text(
            encoding="utf-8"
        )
    assert "wrote" in capsys.readouterr().out


def test_the_schemas_are_strict_about_unknown_fields() -> None:
    for filename, schema in schema_documents().items():
        # A reply repeats the result's variables at its top level (the lead service reads them there).
        assert schema["additionalProperties"] is (filename == "reply-message.schema.json"), filename
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


_VALIDATE = """
import json, sys
from jsonschema import Draft202012Validator
job = json.load(sys.stdin)
validator = Draft202012Validator(job["schema"])
print(json.dumps([[e.message for e in validator.iter_errors(i)] for i in job["instances"]]))
"""


def schema_errors(schema: dict[str, Any], instances: list[Any]) -> list[list[str]]:
    """Validate with ``jsonschema``: in this interpreter if it has it, else in the base interpreter."""
    try:
        from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    except ImportError:
        return schema_errors_in_base_interpreter(schema, instances)
    validator = Draft202012Validator(schema)
    return [[error.message for error in validator.iter_errors(instance)] for instance in instances]


def schema_errors_in_base_interpreter(schema: dict[str, Any], instances: list[Any]) -> list[list[str]]:
    """The venv may lack jsonschema while the interpreter it was made from has it; else fail."""
    base = getattr(sys, "_base_executable", None)
    if not base or base == sys.executable:
        missing("jsonschema", JSONSCHEMA)
    job = json.dumps({"schema": schema, "instances": instances})
    run = subprocess.run(
        [base, "-I", "-c", _VALIDATE], input=job, capture_output=True, text=True, check=False
    )
    if "No module named 'jsonschema'" in run.stderr:
        missing("jsonschema", JSONSCHEMA)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def committed_schema(filename: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / filename).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_example_messages_validate_against_the_committed_schemas() -> None:
    task_errors = schema_errors(committed_schema("task-message.schema.json"), [as_dict(task_message())])
    result_errors = schema_errors(
        committed_schema("result-message.schema.json"), [as_dict(result_message(o)) for o in OUTCOMES]
    )

    assert task_errors == [[]]
    assert result_errors == [[], [], [], []]


def test_the_committed_schemas_refuse_what_the_parser_refuses() -> None:
    bad_task = as_dict(task_message()) | {"extra": 1}
    wrong_kind = as_dict(result_message(OUTCOMES[0])) | {"outcome": {"kind": "done"}}
    wrong_version = as_dict(result_message(OUTCOMES[0])) | {"schema": "exchanger.result/2"}

    (task_errors,) = schema_errors(committed_schema("task-message.schema.json"), [bad_task])
    kind_errors, version_errors = schema_errors(
        committed_schema("result-message.schema.json"), [wrong_kind, wrong_version]
    )

    assert task_errors and kind_errors and version_errors
