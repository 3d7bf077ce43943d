"""The database under datasets: an SQLAlchemy engine from a DSN, with SQLite tuned for several processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from core.errors import ConfigError

SQLITE_BUSY_TIMEOUT_S = 30.0


def create_dataset_engine(dsn: str) -> Engine:
    """``sqlite:///PATH`` (one host) or ``postgresql://…`` (the ledger's database on several hosts)."""
    if dsn.startswith("sqlite:///"):
        return _sqlite_engine(dsn)
    if dsn.startswith(("postgresql://", "postgresql+psycopg://")):
        return create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)
    scheme = dsn.split(":", 1)[0]
    raise ConfigError(
        f"unsupported dataset store DSN scheme {scheme!r}: use sqlite:///PATH or postgresql://…",
        key="ledger.dsn",
    )


def _sqlite_engine(dsn: str) -> Engine:
    path = dsn[len("sqlite:///") :]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(dsn, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(connection: sqlite3.Connection, _record: Any) -> None:
    """WAL lets creators read while another writes; NORMAL sync is durable with WAL at commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
