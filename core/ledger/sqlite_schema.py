"""The SQLite ledger's schema: numbered migrations, applied under the file's write lock.

Files written before migrations were numbered have no ``ledger_migrations`` table: they count
as version 0, and migrations 1 and 2 are written to find their table and any of the columns
those releases added already there (they create or add only what is missing).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from core.ledger.migrations import VERSION_TABLE, Migration, pending

TASKS_TABLE = """
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
)"""


def _tasks_table(conn: sqlite3.Connection) -> None:
    conn.execute(TASKS_TABLE)
    conn.execute("CREATE INDEX IF NOT EXISTS tasks_state ON tasks (system, state)")
    conn.execute("CREATE INDEX IF NOT EXISTS tasks_instance ON tasks (process_instance_id)")


def _claims_and_origin(conn: sqlite3.Connection) -> None:
    _add_columns(
        conn,
        {
            "claim_owner": "TEXT",
            "claim_until": "REAL",
            "routed_at": "REAL",
            "origin": "TEXT",  # 'direct' for a task submitted without a process; NULL (engine) otherwise
        },
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS tasks_claims ON tasks (claim_owner) WHERE claim_owner IS NOT NULL"
    )


def _tracked_leases(conn: sqlite3.Connection) -> None:
    _add_columns(conn, {"lease_owner": "TEXT", "lease_until": "REAL"})


MIGRATIONS: tuple[Migration[sqlite3.Connection], ...] = (
    Migration(1, "tasks table", _tasks_table),
    Migration(2, "claims, queue stamp and origin", _claims_and_origin),
    Migration(3, "leases on tracked items", _tracked_leases),
)


def migrate(conn: sqlite3.Connection, where: str) -> int:
    """Bring the schema to the newest version in one write transaction; returns that version.

    ``BEGIN IMMEDIATE`` takes the file's write lock before the version is read, so processes
    opening the ledger together apply each migration once; SQLite's DDL is transactional, so a
    failure rolls the whole step back. (``executescript`` would commit half way: not used.)
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        (current,) = conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}").fetchone()
        for migration in pending(MIGRATIONS, int(current), where):
            migration.apply(conn)
            conn.execute(
                f"INSERT INTO {VERSION_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, say)
            conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


def _add_columns(conn: sqlite3.Connection, columns: dict[str, str]) -> None:
    present = {row[1] for row in conn.execute("PRAGMA table_info(tasks)")}
    for name, kind in columns.items():
        if name not in present:
            conn.execute(f"ALTER TABLE tasks ADD COLUMN {name} {kind}")
