"""The ledger's table, and the columns later versions added (added in place to older files)."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    external_task_id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    state TEXT NOT NULL,
    system TEXT NOT NULL,
    topic TEXT NOT NULL,
    process_instance_id TEXT NOT NULL,
    process_definition_key TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    lock_duration_ms INTEGER,
    external_id TEXT,
    external_url TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_state ON tasks (system, state);
CREATE INDEX IF NOT EXISTS tasks_instance ON tasks (process_instance_id);
"""

# Columns added after the first release; a ledger file written before them gains them on open.
ADDED_COLUMNS = {
    "claim_owner": "TEXT",
    "claim_until": "REAL",
    "routed_at": "REAL",
    "origin": "TEXT",  # 'direct' for a task submitted without a process; NULL (engine) otherwise
}
ADDED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS tasks_claims ON tasks (claim_owner) WHERE claim_owner IS NOT NULL;"
)

COLUMNS = (
    "external_task_id, message_id, record_id, state, system, topic, process_instance_id, "
    "process_definition_key, activity_id, worker_id, lock_duration_ms, external_id, external_url, "
    "attempts, last_error, result, created_at, updated_at, claim_owner, claim_until, routed_at, origin"
)


def migrate(conn: sqlite3.Connection) -> None:
    """Create the table, or bring an older one up to date. Safe when several processes race."""
    conn.executescript(SCHEMA)
    present = {row[1] for row in conn.execute("PRAGMA table_info(tasks)")}
    for name, kind in ADDED_COLUMNS.items():
        if name in present:
            continue
        try:
            conn.execute(f"ALTER TABLE tasks ADD COLUMN {name} {kind}")
        except sqlite3.OperationalError as err:
            if "duplicate column" not in str(err):  # another process added it first
                raise
    conn.executescript(ADDED_INDEXES)
