"""What happened to one instance, as one time-ordered list: ledger, engine task log, incidents."""

from __future__ import annotations

from typing import Any

from core.camunda import EngineAdmin
from core.camunda.variables import parse_date
from core.ledger import LedgerEntry, TaskState
from core.operations.executions import find_execution
from core.operations.ledger_port import InstanceLedger
from core.operations.models import LogEvent
from core.redact import redact

# Which flag of an external-task log row says what happened.
LOG_KINDS = (
    ("creationLog", "created"),
    ("failureLog", "failed"),
    ("successLog", "succeeded"),
    ("deletionLog", "deleted"),
)


def execution_logs(engine: EngineAdmin, ledger: InstanceLedger, instance_id: str) -> list[LogEvent]:
    """Ledger records, the engine's external-task log and incidents, oldest first."""
    find_execution(engine, instance_id)
    events = [
        *(event for entry in ledger.for_instance(instance_id) for event in _ledger_events(entry)),
        *(_task_log_event(row) for row in engine.instance_external_task_log(instance_id)),
        *(event for row in engine.history_incidents(instance_id) for event in _incident_events(row)),
    ]
    return sorted(events, key=lambda event: event.at)  # stable: same instant keeps source order


def _ledger_events(entry: LedgerEntry) -> list[LogEvent]:
    routed = LogEvent(
        at=entry.created_at,
        source="ledger",
        activity_id=entry.activity_id,
        kind="routed",
        message=f"routed to {entry.system} (topic {entry.topic}, external task {entry.external_task_id})",
    )
    if entry.state == TaskState.ROUTED:
        return [routed]
    details = [f"attempts {entry.attempts}"]
    if entry.external_id:
        details.append(f"work item {entry.external_id}")
    if entry.last_error:
        details.append(f"last error: {entry.last_error}")
    now = LogEvent(
        at=entry.updated_at,
        source="ledger",
        activity_id=entry.activity_id,
        kind=str(entry.state),
        message=redact(f"{entry.system}: " + ", ".join(details)),
    )
    return [routed, now]


def _task_log_event(row: dict[str, Any]) -> LogEvent:
    kind = next((name for flag, name in LOG_KINDS if row.get(flag)), "logged")
    message = f"external task {row['externalTaskId']} (topic {row.get('topicName')})"
    if row.get("workerId"):
        message += f" by {row['workerId']}"
    if kind == "failed":
        message += f": {row.get('errorMessage')}"
        if row.get("retries") is not None:
            message += f" (retries left {row['retries']})"
    return LogEvent(
        at=parse_date(row["timestamp"]),
        source="engine",
        activity_id=row.get("activityId"),
        kind=kind,
        message=redact(message),
    )


def _incident_events(row: dict[str, Any]) -> list[LogEvent]:
    opened = LogEvent(
        at=parse_date(row["createTime"]),
        source="incident",
        activity_id=row.get("activityId"),
        kind="incident_opened",
        message=redact(f"{row['incidentType']} {row['id']}: {row.get('incidentMessage')}"),
    )
    if not row.get("endTime"):
        return [opened]
    ended = "incident_resolved" if row.get("resolved") else "incident_deleted"
    closing = LogEvent(
        at=parse_date(row["endTime"]),
        source="incident",
        activity_id=row.get("activityId"),
        kind=ended,
        message=f"{row['incidentType']} {row['id']}",
    )
    return [opened, closing]
