"""``/v1/processes``, ``/v1/executions``, ``/v1/incidents``: run control over core.operations.

Each route is one call of the operations module the CLI also uses; commands pass the caller
as the actor, so the operation's INFO line says who did it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import AwareDatetime, BaseModel, Field

from api.auth import Operator, Principal, Reader
from api.context import ApiContext, context_of
from core import operations
from core.operations import (
    ExecutionDetail,
    ExecutionFilters,
    ExecutionStep,
    ExecutionSummary,
    Incident,
    LogEvent,
    OperationDone,
    Page,
    PageRequest,
    ProcessSummary,
    RetryDone,
    StartedExecution,
    StateFilter,
)

router = APIRouter(prefix="/v1")
Context = Annotated[ApiContext, Depends(context_of)]


class StartRequest(BaseModel):
    variables: dict[str, Any] = Field(default_factory=dict)
    business_key: str | None = Field(default=None, max_length=255)
    tenant_id: str | None = Field(default=None, max_length=64)


class StopRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="kept in the instance's history")


def actor(caller: Principal) -> str:
    return f"api:{caller.name}"


@router.get("/processes", tags=["processes"], response_model=list[ProcessSummary])
def list_processes(_caller: Reader, context: Context) -> list[ProcessSummary]:
    """The latest version of every process, with running, incident and completed counts."""
    return operations.list_processes(context.engine)


@router.post(
    "/processes/{key}/start",
    tags=["processes"],
    status_code=status.HTTP_201_CREATED,
    response_model=StartedExecution,
)
def start_process(key: str, body: StartRequest, caller: Operator, context: Context) -> StartedExecution:
    """Start the latest version of ``key`` with variables, a business key and a tenant."""
    return operations.start_process(
        context.engine,
        key,
        body.variables,
        actor=actor(caller),
        business_key=body.business_key,
        tenant_id=body.tenant_id,
    )


@router.get("/executions", tags=["executions"], response_model=Page[ExecutionSummary])
def list_executions(
    _caller: Reader,
    context: Context,
    definition_key: str | None = None,
    state: StateFilter | None = None,
    business_key: str | None = None,
    tenant_id: str | None = None,
    started_after: AwareDatetime | None = None,
    started_before: AwareDatetime | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> Page[ExecutionSummary]:
    """Instances running or finished, newest first, paged."""
    filters = ExecutionFilters(
        definition_key=definition_key,
        state=state,
        business_key=business_key,
        tenant_id=tenant_id,
        started_after=started_after,
        started_before=started_before,
    )
    page = PageRequest(offset=offset, limit=min(limit, context.settings.api.page_limit))
    return operations.list_executions(context.engine, filters, page)


@router.get("/executions/{instance_id}", tags=["executions"], response_model=ExecutionDetail)
def show_execution(instance_id: str, _caller: Reader, context: Context) -> ExecutionDetail:
    """State, current activities, open incidents and variables (secrets masked)."""
    return operations.show_execution(context.engine, instance_id)


@router.post("/executions/{instance_id}/pause", tags=["executions"], response_model=OperationDone)
def pause(instance_id: str, caller: Operator, context: Context) -> OperationDone:
    """Suspend the instance: its external tasks are not fetched until it resumes."""
    return operations.pause(context.engine, instance_id, actor=actor(caller))


@router.post("/executions/{instance_id}/resume", tags=["executions"], response_model=OperationDone)
def resume(instance_id: str, caller: Operator, context: Context) -> OperationDone:
    """Activate a suspended instance."""
    return operations.resume(context.engine, instance_id, actor=actor(caller))


@router.post("/executions/{instance_id}/stop", tags=["executions"], response_model=OperationDone)
def stop(instance_id: str, body: StopRequest, caller: Operator, context: Context) -> OperationDone:
    """Cancel with a reason; the tracker cancels the work items the instance had out in systems."""
    return operations.stop(context.engine, instance_id, actor=actor(caller), reason=body.reason)


@router.get("/executions/{instance_id}/steps", tags=["executions"], response_model=list[ExecutionStep])
def steps(instance_id: str, _caller: Reader, context: Context) -> list[ExecutionStep]:
    """Activity history with times and the work item each step created in a system."""
    return operations.execution_steps(context.engine, context.ledger, instance_id)


@router.get("/executions/{instance_id}/logs", tags=["executions"], response_model=list[LogEvent])
def logs(instance_id: str, _caller: Reader, context: Context) -> list[LogEvent]:
    """Ledger events, attempts and incident messages, oldest first."""
    return operations.execution_logs(context.engine, context.ledger, instance_id)


@router.post(
    "/executions/{instance_id}/steps/{activity_instance_id}/retry",
    tags=["executions"],
    response_model=RetryDone,
)
def retry_step(instance_id: str, activity_instance_id: str, caller: Operator, context: Context) -> RetryDone:
    """Retry a failed step: its external task gets one more try and its incident resolves."""
    return operations.retry_step(context.engine, instance_id, activity_instance_id, actor=actor(caller))


@router.get("/incidents", tags=["incidents"], response_model=list[Incident])
def list_incidents(
    _caller: Reader, context: Context, process_key: str | None = None, instance_id: str | None = None
) -> list[Incident]:
    """Open incidents, oldest first."""
    return operations.list_incidents(context.engine, process_key=process_key, instance_id=instance_id)


@router.post("/incidents/{incident_id}/retry", tags=["incidents"], response_model=RetryDone)
def retry_incident(incident_id: str, caller: Operator, context: Context) -> RetryDone:
    """Give the external task behind a failed-external-task incident one more try."""
    return operations.retry_incident(context.engine, incident_id, actor=actor(caller))


@router.post("/external-tasks/{task_id}/unlock", tags=["incidents"], response_model=OperationDone)
def unlock(task_id: str, caller: Operator, context: Context) -> OperationDone:
    """Free a locked external task so a worker fetches it now."""
    return operations.unlock_task(context.engine, task_id, actor=actor(caller))
