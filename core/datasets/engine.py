"""The database under datasets and direct-task records: an SQLAlchemy engine from the ledger's DSN.

SQLite is tuned for several processes on one host; PostgreSQL serves several hosts (the DSN's
spelling for SQLAlchemy comes from :mod:`core.dsn`).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.dsn import DatabaseKind, database_kind, sqlalchemy_url, sqlite_path
from core.ledger.sqlite import PRAGMAS

SQLITE_BUSY_TIMEOUT_S = 30.0
WRITE = "dataset_write"  # execution option of a connection that will write
# PostgreSQL: each statement holds a connection for milliseconds; a small pool per store keeps
# many services on several hosts within the server's max_connections (100 by default).
PG_POOL_SIZE = 2
PG_MAX_OVERFLOW = 6
# pg_advisory_xact_lock(class, key) around creating tables: "Exchanger schema", then the schema.
SCHEMA_LOCK_CLASS = 0x45584348  # "EXCH"


def create_dataset_engine(dsn: str) -> Engine:
    """``sqlite:///PATH`` (one host) or ``postgresql://…`` (the ledger's database on several hosts)."""
    if database_kind(dsn) is DatabaseKind.SQLITE:
        return _sqlite_engine(dsn)
    return create_engine(
        sqlalchemy_url(dsn),
        pool_pre_ping=True,  # a connection a database restart broke is replaced, not used
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_MAX_OVERFLOW,
        hide_parameters=True,  # rows may hold personal data; errors name no values
    )


def _sqlite_engine(dsn: str) -> Engine:
    path = sqlite_path(dsn)
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(dsn, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _tune_sqlite(connection: sqlite3.Connection, _record: Any) -> None:
    """The ledger's pragmas (WAL, NORMAL sync, a bounded page cache) on every pooled connection.

    The driver's own transaction handling is off: it begins lazily, so two writers could each
    hold a read snapshot and then wait for each other's write lock. ``_begin_immediate`` takes
    the write lock up front instead, and the busy timeout queues writers.
    """
    connection.isolation_level = None
    cursor = connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Writers (``WRITE`` in their execution options) lock up front; readers read a snapshot."""
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def database_reason(err: SQLAlchemyError) -> str:
    """The driver's message without the SQL and parameters (rows may hold personal data)."""
    original = getattr(err, "orig", None)
    return f"{type(original or err).__name__}: {original or err.__class__.__doc__ or ''}".strip()


def prepare_schema(engine: Engine, metadata: MetaData, *, wait_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
    """Create missing tables, in a write transaction, trying again while another process holds the file.

    A deferred transaction that reads the schema and then writes cannot wait for a busy SQLite
    file (it fails at once); services starting together would see "database is locked". On
    PostgreSQL two services checking for a table at once would both create it (one fails on
    the catalog's unique index): an advisory lock held to the commit makes them take turns.
    """
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text(
                            "SELECT pg_advisory_xact_lock(:class, hashtext(coalesce(current_schema(), '')))"
                        ),
                        {"class": SCHEMA_LOCK_CLASS},
                    )
                metadata.create_all(conn)
            return
        except OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
