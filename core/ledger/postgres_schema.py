"""The PostgreSQL ledger's schema: numbered migrations, applied in one transaction under an advisory lock.

Times a person reads (``created_at``, ``updated_at``) are ``timestamptz``; leases and stamps
other code compares with a clock (``claim_until``, ``routed_at``, ``lease_until``) stay epoch
seconds, as in SQLite. ``seq`` numbers rows in insertion order (SQLite's rowid), so the
dashboard's newest records come from an index, never from a sort of the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Connection

from core.ledger.migrations import VERSION_TABLE, Migration, pending

# pg_advisory_xact_lock(class, key): the class says "Exchanger ledger migration", the key is the
# schema, so ledgers in different schemas of one database migrate independently.
LOCK_CLASS = 0x4C454447  # "LEDG"

PgConnection = Connection[Any]


def _ddl(*statements: str) -> Callable[[PgConnection], None]:
    def apply(conn: PgConnection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


MIGRATIONS: tuple[Migration[PgConnection], ...] = (
    Migration(
        1,
        "tasks table",
        _ddl(
            """
            CREATE TABLE tasks (
                seq BIGINT GENERATED ALWAYS AS IDENTITY,
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
                lock_duration_ms BIGINT,
                external_id TEXT,
                external_url TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                result TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                claim_owner TEXT,
                claim_until DOUBLE PRECISION,
                routed_at DOUBLE PRECISION,
                origin TEXT
            )""",
            "CREATE UNIQUE INDEX tasks_seq ON tasks (seq)",
            "CREATE INDEX tasks_state ON tasks (system, state)",
            "CREATE INDEX tasks_instance ON tasks (process_instance_id)",
            "CREATE INDEX tasks_claims ON tasks (claim_owner) WHERE claim_owner IS NOT NULL",
        ),
    ),
    Migration(
        2,
        "leases on tracked items",
        _ddl("ALTER TABLE tasks ADD COLUMN lease_owner TEXT, ADD COLUMN lease_until DOUBLE PRECISION"),
    ),
)


def migrate(
    conn: PgConnection, where: str, migrations: Sequence[Migration[PgConnection]] | None = None
) -> int:
    """Bring the schema to the newest version; returns that version.

    One transaction: the advisory lock first (services starting together queue behind it and
    then find the work done), then the version, then every pending migration. PostgreSQL's
    DDL is transactional, so an error leaves the schema exactly as it was. ``migrations``:
    all of them (default), or the first few (tests prepare an older schema that way).
    """
    migrations = MIGRATIONS if migrations is None else migrations
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(coalesce(current_schema(), '')))", (LOCK_CLASS,)
        )
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        row = conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}").fetchone()
        current = int(row[0]) if row else 0
        for migration in pending(migrations, current, where):
            migration.apply(conn)
            conn.execute(
                f"INSERT INTO {VERSION_TABLE} (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
    return len(migrations)
