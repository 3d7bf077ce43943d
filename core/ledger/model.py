"""Ledger records and the states an external task moves through.

    routed → created → tracked → completed | failed | bpmn_error | cancelled
    routed → completed | failed | bpmn_error | cancelled        (immediate systems)

``result`` holds the result record (JSON) once the system has answered, so a redelivered
message re-emits it instead of calling the system again.
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
