"""What the run-control operations return: frozen pydantic models.

``model_dump(mode="json")`` is the HTTP API's response body and what ``python -m tools … --json``
prints, so the two never drift apart. Times are timezone-aware; engine ids are strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The life state of an instance as the engine's history has it (ACTIVE, SUSPENDED, COMPLETED,
# EXTERNALLY_/INTERNALLY_TERMINATED), in our words.
ExecutionState = Literal["running", "suspended", "completed", "cancelled"]
# A filter may also ask for instances with an open incident (whatever their state).
StateFilter = Literal["running", "suspended", "completed", "cancelled", "incident"]
EventSource = Literal["ledger", "engine", "incident"]

T = TypeVar("T")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProcessSummary(Frozen):
    """The latest version of a process definition, with counts over all its versions."""

    key: str
    name: str | None
    version: int
    version_tag: str | None
    definition_id: str
    tenant_id: str | None
    suspended: bool
    running: int
    incidents: int
    completed: int


class StartedExecution(Frozen):
    id: str
    definition_id: str
    business_key: str | None
    tenant_id: str | None


class ExecutionFilters(Frozen):
    definition_key: str | None = None
    state: StateFilter | None = None
    business_key: str | None = None
    tenant_id: str | None = None
    started_after: AwareDatetime | None = None
    started_before: AwareDatetime | None = None


class PageRequest(Frozen):
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)


class Page(Frozen, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class ExecutionSummary(Frozen):
    id: str
    definition_id: str
    definition_key: str
    definition_version: int | None
    business_key: str | None
    tenant_id: str | None
    state: ExecutionState
    started_at: datetime
    ended_at: datetime | None
    delete_reason: str | None


class CurrentActivity(Frozen):
    """An activity the running instance stands in now (a transition: waiting before/after it)."""

    activity_id: str
    name: str | None
    type: str | None
    activity_instance_id: str
    incident_ids: list[str]


class Incident(Frozen):
    id: str
    type: str
    activity_id: str | None
    message: str | None
    # For a failedExternalTask incident the engine keeps the external task id in `configuration`.
    external_task_id: str | None
    process_instance_id: str | None
    process_definition_id: str | None
    created_at: datetime | None


class Variable(Frozen):
    """A process variable as the engine stores it (serialized), secrets masked."""

    name: str
    type: str
    value: Any


class ExecutionDetail(ExecutionSummary):
    current_activities: list[CurrentActivity]
    incidents: list[Incident]
    variables: list[Variable]


class OperationDone(Frozen):
    """The receipt of a command on an instance or task (pause, resume, stop, unlock)."""

    operation: str
    target: str
    actor: str
    # False: the engine accepted the command and carries it out shortly (stop runs as a batch).
    done: bool = True


class RetryDone(Frozen):
    external_task_id: str
    retries: int
    incident_ids: list[str]


class StepWork(Frozen):
    """The ledger's record of one external task: which system did the work and where it is."""

    external_task_id: str
    system: str
    state: str
    external_id: str | None
    external_url: str | None
    attempts: int
    last_error: str | None


class ExecutionStep(Frozen):
    activity_id: str
    name: str | None
    type: str
    activity_instance_id: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int | None
    canceled: bool
    work: StepWork | None


class LogEvent(Frozen):
    at: datetime
    source: EventSource
    activity_id: str | None
    kind: str
    message: str
