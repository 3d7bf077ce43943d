"""Incidents and failed steps: list them, give a failed external task another try, unlock a task."""

from __future__ import annotations

from typing import Any

from core.camunda import EngineAdmin
from core.errors import OperationRefused
from core.operations.audit import engine_time, known, log_operation
from core.operations.models import Incident, OperationDone, RetryDone

FAILED_EXTERNAL_TASK = "failedExternalTask"


def incident_view(row: dict[str, Any]) -> Incident:
    """A runtime or historic incident row in our words."""
    external = row.get("incidentType") == FAILED_EXTERNAL_TASK
    return Incident(
        id=row["id"],
        type=row["incidentType"],
        activity_id=row.get("activityId"),
        message=row.get("incidentMessage"),
        external_task_id=row.get("configuration") if external else None,
        process_instance_id=row.get("processInstanceId"),
        process_definition_id=row.get("processDefinitionId"),
        created_at=engine_time(row.get("incidentTimestamp") or row.get("createTime")),
    )


def list_incidents(
    engine: EngineAdmin, *, process_key: str | None = None, instance_id: str | None = None
) -> list[Incident]:
    """Open incidents, oldest first, of one process key and/or instance (or all)."""
    filters: dict[str, Any] = {"sortBy": "incidentTimestamp", "sortOrder": "asc"}
    if process_key:
        filters["processDefinitionKeyIn"] = process_key
    if instance_id:
        filters["processInstanceId"] = instance_id
    return [incident_view(row) for row in engine.list_incidents(**filters)]


def retry_incident(engine: EngineAdmin, incident_id: str, *, actor: str) -> RetryDone:
    """Give the external task behind a failedExternalTask incident one more try; it resolves."""
    with known(f"incident {incident_id}"):
        incident = incident_view(engine.get_incident(incident_id))
    if incident.external_task_id is None:
        raise OperationRefused(
            f"incident {incident_id} is of type {incident.type}: only {FAILED_EXTERNAL_TASK} incidents"
            " can be retried here"
        )
    return _retry(engine, incident.external_task_id, [incident_id], actor, target=incident_id)


def retry_step(engine: EngineAdmin, instance_id: str, activity_instance_id: str, *, actor: str) -> RetryDone:
    """Retry the failed external task (retries 0, an incident) of one activity instance."""
    tasks = engine.list_external_tasks(
        processInstanceId=instance_id, activityInstanceIdIn=[activity_instance_id]
    )
    failed = [task for task in tasks if task.get("retries") == 0]
    if not failed:
        raise OperationRefused(
            f"nothing failed at activity instance {activity_instance_id} of process instance"
            f" {instance_id}: no external task there is out of retries"
        )
    task_id = str(failed[0]["id"])
    incidents = engine.list_incidents(incidentType=FAILED_EXTERNAL_TASK, configuration=task_id)
    return _retry(engine, task_id, [row["id"] for row in incidents], actor, target=activity_instance_id)


def _retry(
    engine: EngineAdmin, task_id: str, incident_ids: list[str], actor: str, *, target: str
) -> RetryDone:
    with known(f"external task {task_id}"):
        engine.set_retries(task_id, 1)
    log_operation("retry", actor, target, external_task=task_id)
    return RetryDone(external_task_id=task_id, retries=1, incident_ids=incident_ids)


def unlock_task(engine: EngineAdmin, external_task_id: str, *, actor: str) -> OperationDone:
    """Free a locked external task so any worker fetches it again now, not when the lock runs out."""
    with known(f"external task {external_task_id}"):
        engine.unlock(external_task_id)
    log_operation("unlock", actor, external_task_id)
    return OperationDone(operation="unlock", target=external_task_id, actor=actor)
