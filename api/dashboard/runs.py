"""The engine's sections: running and suspended executions, and open incidents.

Through core.operations, the same reads the run-control routes and the CLI make. Both lists
are capped; their totals come from the engine's counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.dashboard.links import InstanceLinks
from api.dashboard.models import ExecutionView, IncidentView, Listing
from core import operations
from core.camunda import EngineAdmin
from core.operations import ExecutionFilters, ExecutionSummary, PageRequest
from core.operations.incidents import FAILED_EXTERNAL_TASK, incident_view

INCIDENTS_READ = 200  # a page of them; more than that is shown as "200+" by the total


@dataclass(frozen=True)
class Executions:
    listing: Listing[ExecutionView]
    running: int
    suspended: int


def executions(engine: EngineAdmin, links: InstanceLinks, limit: int) -> Executions:
    """Suspended instances first (each waits for an operator's Resume), then running ones, newest
    first in each: with more running instances than fit, a paused one must not drop off the list."""
    running = operations.list_executions(engine, ExecutionFilters(state="running"), PageRequest(limit=limit))
    suspended = operations.list_executions(
        engine, ExecutionFilters(state="suspended"), PageRequest(limit=limit)
    )
    rows = [_execution(item, links) for item in [*suspended.items, *running.items]][:limit]
    listing = Listing[ExecutionView](items=rows, total=running.total + suspended.total)
    return Executions(listing, running.total, suspended.total)


def _execution(item: ExecutionSummary, links: InstanceLinks) -> ExecutionView:
    return ExecutionView(
        id=item.id,
        definition_key=item.definition_key,
        business_key=item.business_key,
        state="suspended" if item.state == "suspended" else "running",
        started_at=item.started_at,
        instance_url=links.for_instance(item.id, item.definition_key, item.definition_id),
    )


def incidents(engine: EngineAdmin, links: InstanceLinks, limit: int) -> Listing[IncidentView]:
    """Open incidents, newest first."""
    rows = engine.list_incidents(sortBy="incidentTimestamp", sortOrder="desc", maxResults=INCIDENTS_READ)
    views = []
    for row in rows[:limit]:
        incident = incident_view(row)
        views.append(
            IncidentView(
                id=incident.id,
                type=incident.type,
                activity_id=incident.activity_id,
                message=incident.message,
                process_instance_id=incident.process_instance_id,
                created_at=incident.created_at,
                retryable=incident.type == FAILED_EXTERNAL_TASK,
                instance_url=links.for_instance(
                    incident.process_instance_id, definition_id=incident.process_definition_id
                ),
            )
        )
    return Listing[IncidentView](items=views, total=len(rows))
