"""Database DSNs: which engine a DSN names, and the one spelling each client library wants.

One setting (``ledger.dsn`` / ``LEDGER_DSN``) names the ledger's database; on PostgreSQL the
direct-task records and datasets live there too. psycopg takes libpq's ``postgresql://`` URL,
SQLAlchemy wants its driver in the scheme (``postgresql+psycopg://``): settings may use either
spelling (or libpq's ``postgres://``), and this module alone translates between them.

DSNs carry passwords: print them only through :func:`printable`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from core.errors import ConfigError
from core.redact import redact_url

SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
USAGE = "use sqlite:///PATH (one host) or postgresql://USER:PASSWORD@HOST:PORT/DATABASE (several hosts)"


class DatabaseKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


def database_kind(dsn: str, *, key: str = "ledger.dsn") -> DatabaseKind:
    """SQLite or PostgreSQL; anything else is a ConfigError naming the scheme (never the DSN)."""
    if dsn.startswith(SQLITE_PREFIX):
        return DatabaseKind.SQLITE
    scheme = _scheme(dsn)
    if scheme in _POSTGRES_SCHEMES:
        return DatabaseKind.POSTGRESQL
    named = f"scheme {scheme!r}" if scheme else "a DSN without a scheme"
    raise ConfigError(f"unsupported database DSN ({named}): {USAGE}", key=key)


def sqlite_path(dsn: str) -> str:
    """``sqlite:///relative/path`` → ``relative/path``; ``sqlite:////abs/path`` → ``/abs/path``."""
    return dsn[len(SQLITE_PREFIX) :]


def libpq_dsn(dsn: str) -> str:
    """The URL psycopg (libpq) understands."""
    return _with_scheme(dsn, "postgresql")


def sqlalchemy_url(dsn: str) -> str:
    """The URL SQLAlchemy understands: PostgreSQL through the psycopg 3 driver."""
    if database_kind(dsn) is DatabaseKind.SQLITE:
        return dsn
    return _with_scheme(dsn, "postgresql+psycopg")


def printable(dsn: str) -> str:
    """The DSN with its password masked, for logs and error messages."""
    return redact_url(dsn)


def _scheme(dsn: str) -> str | None:
    match = _SCHEME.match(dsn)
    return match.group(1).lower() if match else None


def _with_scheme(dsn: str, scheme: str) -> str:
    current = _scheme(dsn)
    if current not in _POSTGRES_SCHEMES:
        database_kind(dsn)  # raises the ConfigError naming the scheme
        raise ConfigError(f"not a PostgreSQL DSN: {USAGE}", key="ledger.dsn")
    return scheme + dsn[len(current or "") :]
