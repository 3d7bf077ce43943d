"""``/v1/tasks``: submit a direct task, see one, list them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from api.auth import Operator, Reader
from api.context import ApiContext, context_of
from api.views import Accepted, TaskPage, TaskView, task_page, task_view
from core.contracts.direct import Submission
from core.intake import DirectState, Submitter

router = APIRouter(prefix="/v1/tasks", tags=["direct tasks"])
Context = Annotated[ApiContext, Depends(context_of)]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def submit(
    submission: Submission,
    caller: Operator,
    context: Context,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Accepted:
    """Run one system's action without a process; the result comes later (GET, or the reply queue)."""
    if idempotency_key:
        submission = submission.model_copy(update={"idempotency_key": idempotency_key})
    submitter = Submitter("rest", caller.name, reply_to=submission.reply_to)
    record, created = context.intake.submit(submission, submitter)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    url = str(request.url_for("show_task", task_id=record.id))
    return Accepted(id=record.id, status=str(record.status), status_url=url)


@router.get("/{task_id}", response_model=TaskView, name="show_task")
def show(task_id: str, _caller: Reader, context: Context) -> TaskView:
    """Status, attempts, and the result or the error."""
    record = context.records.get(task_id)
    return task_view(record, context.ledger.get(task_id))


@router.get("", response_model=TaskPage)
def list_tasks(
    _caller: Reader,
    context: Context,
    status_filter: Annotated[DirectState | None, Query(alias="status")] = None,
    system: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> TaskPage:
    """Newest first, paged."""
    limit = min(limit, context.settings.api.page_limit)
    page = context.records.page(status=status_filter, system=system, offset=offset, limit=limit)
    entries = {r.id: e for r in page.items if (e := context.ledger.get(r.id)) is not None}
    return task_page(page, entries)
