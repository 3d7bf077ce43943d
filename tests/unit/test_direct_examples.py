"""The direct-task examples in docs/examples/direct/ are what the contract accepts and the code writes.

Each file validates against its committed JSON Schema and parses with the pydantic model; each
reply is rebuilt by the function that sends it, so docs/api.md cannot drift from the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.contracts.direct import Reply, parse_submission
from core.intake.records import DirectRecord, DirectState
from core.intake.replies import accepted_reply, rejected_reply, reply_for
from systems.bitrix24.leads import Leads
from systems.bitrix24.settings import LeadOptions
from tests.unit.test_contracts import committed_schema, schema_errors

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "direct"
SUBMISSIONS = ["submit-python.json", "submit-lead.json"]
REPLIES = [
    "reply-accepted.json",
    "reply-completed-python.json",
    "reply-completed-lead.json",
    "reply-failed.json",
    "reply-bpmn-error.json",
    "reply-rejected.json",
]
FINAL = {
    "completed": DirectState.COMPLETED,
    "failed": DirectState.FAILED,
    "bpmn_error": DirectState.BPMN_ERROR,
}


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_every_example_file_is_covered() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == sorted(SUBMISSIONS + REPLIES)


def test_the_submissions_validate_against_the_schema_and_parse() -> None:
    instances = [example(name) for name in SUBMISSIONS]
    assert schema_errors(committed_schema("submit-message.schema.json"), instances) == [[]] * len(instances)
    for name, instance in zip(SUBMISSIONS, instances, strict=True):
        submission = parse_submission(json.dumps(instance))
        assert submission.model_dump(mode="json", by_alias=True, exclude_none=True) == instance, name


def test_the_lead_submission_has_every_input_the_lead_action_declares() -> None:
    submission = parse_submission(json.dumps(example("submit-lead.json")))
    inputs = Leads(None, LeadOptions()).inputs("create")  # type: ignore[arg-type]
    assert inputs.problems(submission.variables) == []


def test_the_replies_validate_against_the_schema_and_parse() -> None:
    instances = [example(name) for name in REPLIES]
    assert schema_errors(committed_schema("reply-message.schema.json"), instances) == [[]] * len(instances)
    for name, instance in zip(REPLIES, instances, strict=True):
        reply = Reply.model_validate(instance)
        assert json.loads(reply.to_json()) == instance, name  # exactly the form the code sends


@pytest.mark.parametrize("name", [n for n in REPLIES if example(n)["status"] in FINAL])
def test_an_outcome_reply_is_what_the_tracker_builds_from_the_record(name: str) -> None:
    shown = example(name)
    record = record_like(shown, FINAL[shown["status"]])
    assert without_time(reply_for(record)) == without_time_dict(shown)


def test_the_accepted_reply_is_what_the_intake_sends() -> None:
    shown = example("reply-accepted.json")
    assert without_time(accepted_reply(record_like(shown, DirectState.QUEUED))) == without_time_dict(shown)


def test_the_rejected_reply_lists_every_problem_the_lead_action_finds() -> None:
    shown = example("reply-rejected.json")
    problems = Leads(None, LeadOptions()).inputs("move").problems({"stage": 5})  # type: ignore[arg-type]
    rebuilt = rejected_reply(problems, system="bitrix24", topic="bitrix24.lead.move")
    assert without_time(rebuilt) == without_time_dict(shown)


def test_a_completed_reply_repeats_its_result_at_the_top_level() -> None:
    for name in ("reply-completed-python.json", "reply-completed-lead.json"):
        shown = example(name)
        assert {k: shown[k] for k in shown["result"]} == shown["result"], name


def record_like(reply: dict[str, Any], status: DirectState) -> DirectRecord:
    """The record a reply was built from (only the fields a reply reads matter)."""
    error = reply.get("error")
    return DirectRecord(
        id=reply["id"],
        system=reply["system"],
        topic=reply["topic"],
        business_key=None,
        variables={},
        reply_to="orders.replies",
        correlation_id="c-1",
        channel="broker",
        submitted_by="broker:orders.replies",
        status=status,
        attempts=reply.get("attempts"),
        result=reply.get("result"),
        error={k: v for k, v in error.items() if k != "problems"} if error else None,
        external_id=None,
        external_url=None,
        created_at=0.0,
        updated_at=0.0,
        finished_at=None,
        replied_at=None,
    )


def without_time(reply: Reply) -> dict[str, Any]:
    return without_time_dict(json.loads(reply.to_json()))


def without_time_dict(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in reply.items() if k != "at"}
