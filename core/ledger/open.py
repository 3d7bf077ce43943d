"""Opening the ledger a DSN names: SQLite for one host, PostgreSQL for several."""

from __future__ import annotations

from core.dsn import DatabaseKind, database_kind, sqlite_path
from core.ledger.protocol import Ledger
from core.ledger.sqlite import SqliteLedger


def open_ledger(dsn: str) -> Ledger:
    """``sqlite:///relative/path``, ``sqlite:////absolute/path`` or ``postgresql://USER:PASSWORD@HOST/DB``.

    Any other scheme is a ConfigError that names the scheme, never the DSN (it holds a password).
    """
    if database_kind(dsn) is DatabaseKind.SQLITE:
        return SqliteLedger(sqlite_path(dsn))
    from core.ledger.postgres import PostgresLedger  # psycopg is loaded only by those who use it

    return PostgresLedger(dsn)
