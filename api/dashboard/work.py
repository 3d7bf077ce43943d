"""The ledger's sections: people-work in flight (tracked records) and the newest records."""

from __future__ import annotations

from collections.abc import Iterable

from api.dashboard.links import InstanceLinks
from api.dashboard.models import Listing, TaskRow, WorkItem
from core.ledger import Ledger, LedgerEntry, TaskState

IN_FLIGHT = (TaskState.CREATED, TaskState.TRACKED)


def people_work(
    ledger: Ledger, systems: Iterable[str], links: InstanceLinks, limit: int
) -> Listing[WorkItem]:
    """Work items out in systems, oldest first (the ones waiting longest matter most).

    ``created``: the item exists and its result record is on the way to the tracker;
    ``tracked``: the tracker follows it. One query per system: the ledger's (system, state)
    index answers each without a scan.
    """
    entries = [entry for system in systems for entry in ledger.in_states(system, IN_FLIGHT)]
    entries.sort(key=lambda entry: entry.created_at)
    return Listing[WorkItem](items=[_work(entry, links) for entry in entries[:limit]], total=len(entries))


def _work(entry: LedgerEntry, links: InstanceLinks) -> WorkItem:
    return WorkItem(
        external_task_id=entry.external_task_id,
        system=entry.system,
        topic=entry.topic,
        process_definition_key=entry.process_definition_key,
        process_instance_id=entry.process_instance_id,
        activity_id=entry.activity_id,
        external_id=entry.external_id,
        external_url=_safe(entry.external_url),
        instance_url=None
        if entry.is_direct
        else links.for_system(entry.system, entry.process_instance_id, entry.process_definition_key),
        since=entry.created_at,
        direct=entry.is_direct,
    )


def recent_tasks(ledger: Ledger, limit: int) -> Listing[TaskRow]:
    rows = [_row(entry) for entry in ledger.recent(limit)]
    return Listing[TaskRow](items=rows, total=len(rows))


def _row(entry: LedgerEntry) -> TaskRow:
    return TaskRow(
        external_task_id=entry.external_task_id,
        system=entry.system,
        topic=entry.topic,
        state=str(entry.state),
        direct=entry.is_direct,
        process_definition_key=entry.process_definition_key,
        process_instance_id=entry.process_instance_id,
        attempts=entry.attempts,
        last_error=entry.last_error,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )


def _safe(url: str | None) -> str | None:
    """Only web links reach the page (a stored ``javascript:`` URL would run on click)."""
    return url if url and url.startswith(("http://", "https://")) else None
