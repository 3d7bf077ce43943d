"""Database DSNs: the engine a DSN names and the one spelling each client library gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.datasets.engine import create_dataset_engine
from core.dsn import DatabaseKind, database_kind, libpq_dsn, printable, sqlalchemy_url, sqlite_path
from core.errors import ConfigError
from core.ledger.sqlite import PAGE_CACHE_KIB

PG = "exchanger:s3cret-pw@db.example:5432/exchanger?sslmode=verify-full"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg", "PostgreSQL"])
def test_every_spelling_of_postgresql_gets_each_clients_own(scheme: str) -> None:
    dsn = f"{scheme}://{PG}"

    assert database_kind(dsn) is DatabaseKind.POSTGRESQL
    assert libpq_dsn(dsn) == f"postgresql://{PG}"
    assert sqlalchemy_url(dsn) == f"postgresql+psycopg://{PG}"


def test_sqlite_dsns_name_a_path_and_stay_as_they_are_for_sqlalchemy() -> None:
    assert database_kind("sqlite:///state/l.db") is DatabaseKind.SQLITE
    assert sqlite_path("sqlite:///state/l.db") == "state/l.db"
    assert sqlite_path("sqlite:////var/lib/l.db") == "/var/lib/l.db"
    assert sqlalchemy_url("sqlite:////var/lib/l.db") == "sqlite:////var/lib/l.db"


def test_a_printable_dsn_hides_the_password() -> None:
    shown = printable(f"postgresql://{PG}")

    assert "s3cret-pw" not in shown and "exchanger:***@db.example:5432" in shown
    assert "password=***" in printable("postgresql://u@h/db?password=s3cret-pw")


@pytest.mark.parametrize("dsn", ["mysql://u:s3cret-pw@h/db", "s3cret-pw", "sqlite://l.db"])
def test_another_kind_is_a_config_error_that_names_no_secret(dsn: str) -> None:
    with pytest.raises(ConfigError) as caught:
        database_kind(dsn)

    assert caught.value.key == "ledger.dsn"
    assert "s3cret-pw" not in str(caught.value)
    with pytest.raises(ConfigError):
        libpq_dsn(dsn)


def test_sqlite_is_not_a_postgresql_dsn() -> None:
    with pytest.raises(ConfigError, match="not a PostgreSQL DSN"):
        libpq_dsn("sqlite:///l.db")


def test_the_dataset_engine_uses_the_psycopg_driver_with_a_small_pool() -> None:
    engine = create_dataset_engine(f"postgres://{PG}")  # nothing connects until it is used

    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.pool.size() == 2  # type: ignore[attr-defined]
    assert "s3cret-pw" not in repr(engine)
    engine.dispose()


def test_the_dataset_engine_on_sqlite_uses_wal_and_a_bounded_page_cache(tmp_path: Path) -> None:
    engine = create_dataset_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    engine.dispose()

    assert mode == "wal"
    assert cache == -PAGE_CACHE_KIB
