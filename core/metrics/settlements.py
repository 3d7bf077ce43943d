"""What a settlement adds to the metrics, whichever service settled it: its outcome, and how long the task took."""

from __future__ import annotations

from datetime import UTC, datetime

from core.contracts import ResultMessage
from core.ledger import LedgerEntry
from core.metrics.catalog import END_TO_END, RESULT_TO_SETTLED, TASKS_SETTLED

# Settler's answers that end a task (or hand it back to the engine's retries) → outcome label.
SETTLED_OUTCOMES = {
    "completed": "completed",
    "bpmn_error": "bpmn_error",
    "incident": "incident",
    "failed-will-retry": "failed",
    "direct-completed": "completed",
    "direct-bpmn_error": "bpmn_error",
    "direct-failed": "failed",
}


def record_settlement(result: ResultMessage, entry: LedgerEntry | None, what: str) -> None:
    """Count ``what`` if it settled the task (duplicates, tracked and alive results are not settlements)."""
    outcome = SETTLED_OUTCOMES.get(what)
    if outcome is None:
        return
    system = result.system or (entry.system if entry else "") or ""
    topic = (result.task.topic if result.task else None) or (entry.topic if entry else "") or ""
    origin = "direct" if what.startswith("direct-") else "engine"
    TASKS_SETTLED.labels(system, topic, outcome, origin).inc()
    now = datetime.now(UTC)
    RESULT_TO_SETTLED.labels(system).observe(max(0.0, (now - result.created_at).total_seconds()))
    if entry is not None:
        END_TO_END.labels(system).observe(max(0.0, (now - entry.created_at).total_seconds()))
