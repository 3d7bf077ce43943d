"""Versioned schema changes, the same rule on both databases.

The database records each migration it applied in ``ledger_migrations``; its highest version
is the schema's version. A service opening the ledger applies the migrations it knows and
the database lacks, in order, in one transaction that holds the database's write lock
(SQLite) or an advisory lock (PostgreSQL): services starting together wait for each other,
and a failure leaves the schema as it was. A schema *newer* than the service knows is
refused, naming both versions: an older release must not write rows a newer one reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.errors import ConfigError

Conn = TypeVar("Conn")

VERSION_TABLE = "ledger_migrations"


@dataclass(frozen=True)
class Migration(Generic[Conn]):
    version: int
    name: str
    apply: Callable[[Conn], None]


def check_order(migrations: Sequence[Migration[Conn]]) -> None:
    """Versions are 1, 2, 3, … with no gap: a programming error otherwise."""
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise AssertionError(f"ledger migrations must be numbered 1..n in order, not {versions}")


def pending(migrations: Sequence[Migration[Conn]], current: int, where: str) -> list[Migration[Conn]]:
    """The migrations still to apply to a schema at version ``current``.

    Raises:
        ConfigError: the schema is newer than the newest migration this release knows.
    """
    check_order(migrations)
    known = len(migrations)
    if current > known:
        raise ConfigError(
            f"the ledger at {where} has schema version {current}, newer than this release knows"
            f" (version {known}): run the release that migrated it, or a newer one",
            key="ledger.dsn",
        )
    return list(migrations[current:])
