"""The dashboard's snapshot: what one tick shows, as JSON (times in ISO 8601, UTC).

A section that could not be read carries its ``error`` (one line, no secrets) and no items,
so an engine outage blanks the engine's sections only. Lists are capped; ``total`` says how
many there are in all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")
CircuitState = Literal["closed", "half-open", "open"]
QueueRole = Literal["tasks", "results", "responses", "errors", "intake", "unrouted", "other"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Listing(Frozen, Generic[T]):
    items: list[T] = []
    total: int = 0
    error: str | None = None


class SystemView(Frozen):
    """One configured system, from the services' metrics; ``has_data`` False: none export it yet."""

    name: str
    kind: str
    has_data: bool
    tasks_per_min: float | None = None  # settled tasks; None until two reads span some time
    calls_per_min: float | None = None
    error_share: float | None = None  # failed external calls / all calls in the window; None: no calls
    circuit: CircuitState | None = None
    headroom: float | None = None  # share of the rate limit's burst free now (0–1)
    tracked: int | None = None  # people-work followed by the tracker


class MetricsTarget(Frozen):
    name: str
    url: str
    ok: bool
    error: str | None = None


class QueueView(Frozen):
    name: str  # the base name, without the environment prefix
    role: QueueRole
    exists: bool
    messages: int = 0  # ready, not counting delivered-but-unacked
    consumers: int = 0
    retrying: int = 0  # waiting in the queue's delay queues for another attempt


class WorkItem(Frozen):
    """People-work in flight: a work item out in a system (ledger state created or tracked)."""

    external_task_id: str
    system: str
    topic: str
    process_definition_key: str
    process_instance_id: str
    activity_id: str
    external_id: str | None
    external_url: str | None
    instance_url: str | None
    since: datetime
    direct: bool


class IncidentView(Frozen):
    id: str
    type: str
    activity_id: str | None
    message: str | None
    process_instance_id: str | None
    created_at: datetime | None
    retryable: bool  # a failed external task: the Retry button applies
    instance_url: str | None


class ExecutionView(Frozen):
    id: str
    definition_key: str
    business_key: str | None
    state: Literal["running", "suspended"]
    started_at: datetime
    instance_url: str | None


class TaskRow(Frozen):
    """A ledger record: a task routed to a system, in its current state."""

    external_task_id: str
    system: str
    topic: str
    state: str
    direct: bool
    process_definition_key: str
    process_instance_id: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class Counts(Frozen):
    """The header's figures; None where the source could not be read."""

    running: int | None = None
    suspended: int | None = None
    incidents: int | None = None
    in_flight: int | None = None
    poison: int | None = None  # messages in the error queue
    tasks_per_min: float | None = None


class Snapshot(Frozen):
    at: datetime
    environment: str  # settings.environment (dev, prod, …): which installation this page shows
    interval_s: float
    counts: Counts
    systems: list[SystemView]
    metrics_targets: list[MetricsTarget]
    metrics_error: str | None = None
    queues: Listing[QueueView]
    work: Listing[WorkItem]
    incidents: Listing[IncidentView]
    executions: Listing[ExecutionView]
    recent: Listing[TaskRow]
