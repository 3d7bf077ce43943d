"""Process instances ("executions"): a filtered page of them, and one in detail."""

from __future__ import annotations

from typing import Any

from core.camunda import EngineAdmin
from core.camunda.variables import format_date, parse_date
from core.operations.audit import engine_time, known
from core.operations.incidents import incident_view
from core.operations.masking import masked_variables
from core.operations.models import (
    CurrentActivity,
    ExecutionDetail,
    ExecutionFilters,
    ExecutionState,
    ExecutionSummary,
    Page,
    PageRequest,
)

ENGINE_STATES: dict[str, ExecutionState] = {
    "ACTIVE": "running",
    "SUSPENDED": "suspended",
    "COMPLETED": "completed",
    "EXTERNALLY_TERMINATED": "cancelled",
    "INTERNALLY_TERMINATED": "cancelled",
}
# The history query takes one state flag. "cancelled" asks for cancellations from outside
# (stop, Cockpit, the REST API); an INTERNALLY_TERMINATED instance (a called process its
# caller cancelled) is shown as cancelled but only listed without a state filter.
STATE_QUERIES: dict[str, dict[str, Any]] = {
    "running": {"active": True},
    "suspended": {"suspended": True},
    "completed": {"completed": True},
    "cancelled": {"externallyTerminated": True},
    "incident": {"withIncidents": True, "incidentStatus": "open"},
}
NEWEST_FIRST = [{"sortBy": "startTime", "sortOrder": "desc"}, {"sortBy": "instanceId", "sortOrder": "asc"}]


def list_executions(
    engine: EngineAdmin, filters: ExecutionFilters, page: PageRequest
) -> Page[ExecutionSummary]:
    """Instances running or finished, newest first: one page of them and the total."""
    query = _history_query(filters)
    rows = engine.history_process_instances(
        first_result=page.offset, max_results=page.limit, sorting=NEWEST_FIRST, **query
    )
    return Page[ExecutionSummary](
        items=[summary(row) for row in rows],
        total=engine.count_history_process_instances(**query),
        offset=page.offset,
        limit=page.limit,
    )


def _history_query(filters: ExecutionFilters) -> dict[str, Any]:
    query: dict[str, Any] = dict(STATE_QUERIES[filters.state]) if filters.state else {}
    optional = {
        "processDefinitionKey": filters.definition_key,
        "processInstanceBusinessKey": filters.business_key,
        "tenantIdIn": [filters.tenant_id] if filters.tenant_id else None,
        "startedAfter": format_date(filters.started_after) if filters.started_after else None,
        "startedBefore": format_date(filters.started_before) if filters.started_before else None,
    }
    query.update({name: value for name, value in optional.items() if value is not None})
    return query


def summary(row: dict[str, Any]) -> ExecutionSummary:
    """A history process-instance row in our words."""
    return ExecutionSummary(
        id=row["id"],
        definition_id=row["processDefinitionId"],
        definition_key=row["processDefinitionKey"],
        definition_version=row.get("processDefinitionVersion"),
        business_key=row.get("businessKey"),
        tenant_id=row.get("tenantId"),
        state=ENGINE_STATES[row["state"]],
        started_at=parse_date(row["startTime"]),
        ended_at=engine_time(row.get("endTime")),
        delete_reason=row.get("deleteReason"),
    )


def find_execution(engine: EngineAdmin, instance_id: str) -> ExecutionSummary:
    """The instance, running or finished; unknown id → :class:`OperationNotFound`."""
    with known(f"process instance {instance_id}"):
        return summary(engine.history_process_instance(instance_id))


def show_execution(engine: EngineAdmin, instance_id: str) -> ExecutionDetail:
    """State, where it stands now, open incidents and variables (secrets masked)."""
    found = find_execution(engine, instance_id)
    live = found.state in ("running", "suspended")
    # An instance that ends between these reads is reported as gone, not as a crash.
    with known(f"process instance {instance_id}"):
        activities = _current_activities(engine.activity_instance_tree(instance_id)) if live else []
        raw = (
            engine.raw_process_instance_variables(instance_id)
            if live
            else engine.raw_history_variables(instance_id)
        )
    incidents = engine.list_incidents(processInstanceId=instance_id) if live else []
    return ExecutionDetail(
        **found.model_dump(),
        current_activities=activities,
        incidents=[incident_view(row) for row in incidents],
        variables=masked_variables(raw),
    )


def _current_activities(node: dict[str, Any]) -> list[CurrentActivity]:
    """The leaves of the activity-instance tree: where the tokens are (the root is the process)."""
    found: list[CurrentActivity] = []
    for child in node.get("childActivityInstances") or []:
        nested = _current_activities(child)
        found.extend(nested or [_activity(child)])
    found.extend(_activity(transition) for transition in node.get("childTransitionInstances") or [])
    return found


def _activity(node: dict[str, Any]) -> CurrentActivity:
    return CurrentActivity(
        activity_id=node["activityId"],
        name=node.get("activityName"),
        type=node.get("activityType"),
        activity_instance_id=node["id"],
        incident_ids=list(node.get("incidentIds") or []),
    )
