"""What the API returns for direct tasks (the OpenAPI document shows these models)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from core.intake import DirectRecord, Page
from core.ledger import LedgerEntry


class Accepted(BaseModel):
    id: str
    status: str
    status_url: str


class ExternalItem(BaseModel):
    id: str
    url: str | None = None


class TaskView(BaseModel):
    id: str
    system: str
    topic: str
    status: str
    business_key: str | None
    attempts: int | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    external_item: ExternalItem | None
    last_error: str | None
    channel: str
    submitted_by: str
    reply_to: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class TaskPage(BaseModel):
    items: list[TaskView]
    total: int
    offset: int
    limit: int


def task_view(record: DirectRecord, entry: LedgerEntry | None) -> TaskView:
    """The record, with the attempts and last error the creator wrote to the ledger meanwhile."""
    item = ExternalItem(id=record.external_id, url=record.external_url) if record.external_id else None
    return TaskView(
        id=record.id,
        system=record.system,
        topic=record.topic,
        status=str(record.status),
        business_key=record.business_key,
        attempts=record.attempts_so_far(entry),
        result=record.result,
        error=record.error,
        external_item=item,
        last_error=entry.last_error if entry else None,
        channel=record.channel,
        submitted_by=record.submitted_by,
        reply_to=record.reply_to,
        created_at=_at(record.created_at),
        updated_at=_at(record.updated_at),
        finished_at=_at(record.finished_at) if record.finished_at else None,
    )


def task_page(page: Page, entries: dict[str, LedgerEntry]) -> TaskPage:
    items = [task_view(record, entries.get(record.id)) for record in page.items]
    return TaskPage(items=items, total=page.total, offset=page.offset, limit=page.limit)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
