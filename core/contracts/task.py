"""The task message: one external task, enriched, on its way to a system's queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from core.camunda.variables import decode_variables
from core.contracts.base import Contract, TypedVariable, now_utc, parse_contract

TASK_SCHEMA = "exchanger.task/1"

# Where a task comes from: an external task fetched from the engine, or a direct submission
# (REST or the intake queue) that no process knows. Only settling differs between the two.
Origin = Literal["engine", "direct"]


class ExternalTaskInfo(Contract):
    id: str
    topic: str
    worker_id: str
    lock_expires_at: datetime | None = None
    lock_duration_ms: int | None = None
    retries: int | None = None
    priority: int = 0
    tenant_id: str | None = None
    business_key: str | None = None
    created_at: datetime | None = None


class ProcessInfo(Contract):
    definition_id: str
    definition_key: str
    instance_id: str
    version_tag: str | None = None
    name: str | None = None
    documentation: str | None = None


# camunda_sync marks the task whose result decides a yes/no gateway with this property.
ANSWER_EXPECTED_PROPERTY = "UF_RESULT_EXPECTED"


class ActivityInfo(Contract):
    id: str
    instance_id: str | None = None
    name: str | None = None
    type: str | None = None
    documentation: str | None = None
    lane: str | None = None
    participant: str | None = None
    extension_properties: dict[str, str] = Field(default_factory=dict)
    input_parameters: dict[str, Any] = Field(default_factory=dict)
    output_parameters: dict[str, Any] = Field(default_factory=dict)
    caught_error_codes: list[str] = Field(default_factory=list)
    catches_all_errors: bool = False

    def catches(self, code: str) -> bool:
        return self.catches_all_errors or code in self.caught_error_codes

    @property
    def answers_gateway(self) -> bool:
        return self.extension_properties.get(ANSWER_EXPECTED_PROPERTY, "").strip().lower() == "true"


class RoutingInfo(Contract):
    system: str
    routing_key: str
    rule: int | None = Field(default=None, description="1-based index of the routing rule that matched")


class TaskMessage(Contract):
    schema_: Literal["exchanger.task/1"] = Field(default="exchanger.task/1", alias="schema")
    message_id: str
    trace_id: str
    task: ExternalTaskInfo
    process: ProcessInfo
    activity: ActivityInfo
    variables: dict[str, TypedVariable] = Field(default_factory=dict)
    routing: RoutingInfo
    origin: Origin = "engine"
    fetched_at: datetime = Field(default_factory=now_utc)
    published_at: datetime | None = None

    def values(self) -> dict[str, Any]:
        """The variables as Python values (Json → dict/list, Date → aware datetime, …)."""
        raw = {name: var.model_dump(exclude_none=True) for name, var in self.variables.items()}
        return decode_variables(raw, self.process.instance_id)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True, by_alias=True).encode("utf-8")


def parse_task_message(body: bytes | str) -> TaskMessage:
    """Validate a received task message; raises ContractError naming the problem."""
    return parse_contract(TaskMessage, body)
