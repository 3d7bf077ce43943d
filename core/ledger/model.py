"""Ledger records and the states an external task moves through.

    routed → created → tracked → completed | failed | bpmn_error | cancelled
    routed → completed | failed | bpmn_error | cancelled        (immediate systems)

``result`` holds the result record (JSON) once the system has answered, so a redelivered
message re-emits it instead of calling the system again. A final state is never left, except
``failed`` when the engine hands the task out again for a new round (retries or an operator).

While a creator runs a task's handler it holds a *claim*: an owner and a lease that the owner
renews. A second delivery of the task sees the claim and waits; a claim whose lease ran out
(its owner died) can be taken over.

A tracker following tracked work on several hosts holds a *lease* on the items it polls
(owner and until, like a claim), so two trackers never poll the same item at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TaskState(StrEnum):
    ROUTED = "routed"
    CREATED = "created"  # the system has the work item; result not yet published
    TRACKED = "tracked"  # a person works on it; the tracker follows it
    RESULT = "result"  # a final outcome exists and is on its way to the engine
    COMPLETED = "completed"
    FAILED = "failed"
    BPMN_ERROR = "bpmn_error"
    CANCELLED = "cancelled"


FINAL_STATES = frozenset({TaskState.COMPLETED, TaskState.FAILED, TaskState.BPMN_ERROR, TaskState.CANCELLED})


@dataclass(frozen=True)
class RoutedTask:
    """What the ledger records when a task is routed (by the worker, or a creator on another host)."""

    external_task_id: str
    message_id: str
    system: str
    topic: str
    process_instance_id: str
    process_definition_key: str
    activity_id: str
    worker_id: str
    lock_duration_ms: int | None
    origin: str = "engine"  # "direct": no engine task behind it (core.intake)


@dataclass(frozen=True)
class LedgerEntry:
    external_task_id: str
    message_id: str
    record_id: str
    state: TaskState
    system: str
    topic: str
    process_instance_id: str
    process_definition_key: str
    activity_id: str
    worker_id: str
    lock_duration_ms: int | None
    external_id: str | None
    external_url: str | None
    attempts: int
    last_error: str | None
    result: str | None
    created_at: datetime
    updated_at: datetime
    claim_owner: str | None = None  # the creator running the handler now
    claim_until: float | None = None  # epoch seconds: the claim's lease
    routed_at: float | None = None  # epoch seconds: its message was last published (None: not queued)
    origin: str | None = None  # "direct" for a submitted task; None for an engine task
    lease_owner: str | None = None  # the tracker polling this tracked item now
    lease_until: float | None = None  # epoch seconds: that lease's end

    @property
    def is_direct(self) -> bool:
        """No engine task behind it: nothing to lock, complete or fail in the engine."""
        return self.origin == "direct"
