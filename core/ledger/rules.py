"""The ledger's rules as SQL text that SQLite and PostgreSQL share word for word.

Both databases speak the same upsert (``ON CONFLICT … DO UPDATE``, ``excluded``), so the
rule for a task routed again is written once; only parameter markers and clocks differ, and
those stay in each implementation.
"""

from __future__ import annotations

import uuid

from core.ledger.model import FINAL_STATES, RoutedTask, TaskState

ERROR_CHARS = 2000  # longer errors are stored truncated

# Named, never ``*``: psycopg prepares statements it runs often, and on PostgreSQL a prepared
# ``SELECT *`` fails once a migration adds a column ("cached plan must not change result type").
COLUMNS = (
    "external_task_id, message_id, record_id, state, system, topic, process_instance_id, "
    "process_definition_key, activity_id, worker_id, lock_duration_ms, external_id, external_url, "
    "attempts, last_error, result, created_at, updated_at, claim_owner, claim_until, routed_at, origin, "
    "lease_owner, lease_until"
)

# The states no write may leave (``WHERE state NOT IN (…)`` on every transition).
FINALS_SQL = ",".join(f"'{state}'" for state in sorted(FINAL_STATES))

# A known task routed again keeps its identity and progress. A failed task the engine hands out
# again (retries left, or an operator retried the incident) is a new round of work: fresh message
# id, no stored result or work item, attempts reset, queued again.
ROUTED_AGAIN_SQL = (
    " ON CONFLICT (external_task_id) DO UPDATE SET updated_at = excluded.updated_at,"
    " worker_id = excluded.worker_id, lock_duration_ms = excluded.lock_duration_ms,"
    " message_id = CASE WHEN tasks.state = 'failed' THEN excluded.message_id ELSE tasks.message_id END,"
    " result = CASE WHEN tasks.state = 'failed' THEN NULL ELSE tasks.result END,"
    " attempts = CASE WHEN tasks.state = 'failed' THEN 0 ELSE tasks.attempts END,"
    " external_id = CASE WHEN tasks.state = 'failed' THEN NULL ELSE tasks.external_id END,"
    " external_url = CASE WHEN tasks.state = 'failed' THEN NULL ELSE tasks.external_url END,"
    " routed_at = CASE WHEN tasks.state = 'failed' THEN excluded.routed_at ELSE tasks.routed_at END,"
    " state = CASE WHEN tasks.state = 'failed' THEN 'routed' ELSE tasks.state END"
)


def truncated(error: str) -> str:
    return error[:ERROR_CHARS]


def routed_values(task: RoutedTask) -> tuple[object, ...]:
    """The first eleven values of a routed task's insert, the same on both databases (a fresh
    record id; a clock-stamped tail follows in each implementation)."""
    return (
        task.external_task_id,
        task.message_id,
        str(uuid.uuid4()),
        str(TaskState.ROUTED),
        task.system,
        task.topic,
        task.process_instance_id,
        task.process_definition_key,
        task.activity_id,
        task.worker_id,
        task.lock_duration_ms,
    )


def stored_origin(task: RoutedTask) -> str | None:
    """Only a direct task stores its origin; NULL means the engine."""
    return task.origin if task.origin != "engine" else None
