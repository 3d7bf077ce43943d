"""The result record / response message: how one external task ends (or goes on being tracked).

``task_creator`` writes it to ``<system>.sent.queue`` (unless it completed the task in the
engine itself: ``task_creator.completion``); anyone may write it to ``camunda.responses.queue``;
``task_tracker`` settles it in the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from core.camunda.variables import TypedValue, decode_variables, encode_variables
from core.contracts.base import Contract, TypedVariable, now_utc, parse_contract
from core.contracts.task import Origin

RESULT_SCHEMA = "exchanger.result/1"


def typed(values: dict[str, Any]) -> dict[str, TypedVariable]:
    """Python values → typed variables for an outcome."""
    return {name: TypedVariable(**body) for name, body in encode_variables(values).items()}


def engine_values(variables: Mapping[str, TypedVariable]) -> dict[str, Any]:
    """Typed variables for an engine call, passed through exactly as typed."""
    return {name: TypedValue(var.type, var.value, var.valueInfo or {}) for name, var in variables.items()}


def untyped(variables: dict[str, TypedVariable]) -> dict[str, Any]:
    return decode_variables({name: var.model_dump(exclude_none=True) for name, var in variables.items()})


class CompleteOutcome(Contract):
    kind: Literal["complete"] = "complete"
    variables: dict[str, TypedVariable] = Field(default_factory=dict)


class FailureOutcome(Contract):
    kind: Literal["failure"] = "failure"
    message: str
    details: str | None = None
    retryable: bool = False


class BpmnErrorOutcome(Contract):
    kind: Literal["bpmn_error"] = "bpmn_error"
    code: str
    message: str | None = None
    variables: dict[str, TypedVariable] = Field(default_factory=dict)


class AliveOutcome(Contract):
    """A long action is still working: extend the engine lock (by ``lock_duration_ms`` if given)."""

    kind: Literal["alive"] = "alive"
    lock_duration_ms: int | None = Field(default=None, gt=0)


class TrackedReference(Contract):
    id: str
    url: str | None = None


class TrackedOutcome(Contract):
    kind: Literal["tracked"] = "tracked"
    reference: TrackedReference


Outcome = Annotated[
    CompleteOutcome | FailureOutcome | BpmnErrorOutcome | TrackedOutcome | AliveOutcome,
    Field(discriminator="kind"),
]


class TaskRef(Contract):
    """What the tracker needs of the original task to settle it in the engine."""

    worker_id: str | None = None
    topic: str | None = None
    process_instance_id: str | None = None
    activity_id: str | None = None
    retries: int | None = None
    lock_duration_ms: int | None = None
    caught_error_codes: list[str] | None = None
    catches_all_errors: bool | None = None
    answers_gateway: bool | None = None


class ResultMessage(Contract):
    schema_: Literal["exchanger.result/1"] = Field(default="exchanger.result/1", alias="schema")
    external_task_id: str
    outcome: Outcome
    message_id: str | None = Field(default=None, description="the task message's id, when known")
    result_id: str | None = Field(default=None, description="durable record id from the ledger")
    system: str | None = None
    task: TaskRef | None = None
    attempts: int | None = None
    origin: Origin = Field(
        default="engine", description="direct: settled by record and reply, never in the engine"
    )
    created_at: datetime = Field(default_factory=now_utc)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True, by_alias=True).encode("utf-8")


def parse_result_message(body: bytes | str) -> ResultMessage:
    """Validate a received result or response message; raises ContractError naming the problem."""
    return parse_contract(ResultMessage, body)
