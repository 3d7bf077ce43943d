"""The steps of one instance: the engine's activity history joined with the ledger's work records."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from core.camunda import EngineAdmin
from core.camunda.variables import parse_date
from core.ledger import LedgerEntry
from core.operations.audit import engine_time
from core.operations.executions import find_execution
from core.operations.ledger_port import InstanceLedger
from core.operations.models import ExecutionStep, StepWork


def execution_steps(engine: EngineAdmin, ledger: InstanceLedger, instance_id: str) -> list[ExecutionStep]:
    """Every activity the instance went through, oldest first, with the work a system did there.

    The ledger knows activity ids, not activity instances: an activity run several times (a
    loop) pairs its runs with its ledger records in the order both happened.
    """
    find_execution(engine, instance_id)  # an unknown id is an error, not an empty list
    work = _work_by_activity(ledger.for_instance(instance_id))
    rows = engine.history_activity_instances(instance_id)  # in the order they happened
    return [_step(row, work[row["activityId"]]) for row in rows]


def _work_by_activity(entries: list[LedgerEntry]) -> defaultdict[str, deque[LedgerEntry]]:
    work: defaultdict[str, deque[LedgerEntry]] = defaultdict(deque)
    for entry in sorted(entries, key=lambda item: item.created_at):
        work[entry.activity_id].append(entry)
    return work


def _step(row: dict[str, Any], work: deque[LedgerEntry]) -> ExecutionStep:
    entry = work.popleft() if work else None
    return ExecutionStep(
        activity_id=row["activityId"],
        name=row.get("activityName"),
        type=row["activityType"],
        activity_instance_id=row["id"],
        started_at=parse_date(row["startTime"]),
        ended_at=engine_time(row.get("endTime")),
        duration_ms=row.get("durationInMillis"),
        canceled=bool(row.get("canceled")),
        work=_work(entry) if entry else None,
    )


def _work(entry: LedgerEntry) -> StepWork:
    return StepWork(
        external_task_id=entry.external_task_id,
        system=entry.system,
        state=str(entry.state),
        external_id=entry.external_id,
        external_url=entry.external_url,
        attempts=entry.attempts,
        last_error=entry.last_error,
    )
