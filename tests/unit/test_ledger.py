"""The SQLite ledger: the ledger contract (shared with PostgreSQL), then what only SQLite has:
its file (WAL, a file that is not a database), DSNs, versioned migrations of old files, and
processes opening one file together.

PostgreSQL runs the same contract in tests/integration/test_ledger_postgres.py.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError, LedgerError
from core.ledger import Ledger, SqliteLedger, TaskState, open_ledger, sqlite_schema
from core.ledger.migrations import Migration
from core.ledger.sqlite import PAGE_CACHE_KIB
from tests.support.ledger_contract import LedgerContract, OpenHandle, route, tracked

OLD_LAYOUT = (
    "CREATE TABLE tasks (external_task_id TEXT PRIMARY KEY, message_id TEXT NOT NULL, record_id TEXT NOT NULL,"
    " state TEXT NOT NULL, system TEXT NOT NULL, topic TEXT NOT NULL, process_instance_id TEXT NOT NULL,"
    " process_definition_key TEXT NOT NULL, activity_id TEXT NOT NULL, worker_id TEXT NOT NULL,"
    " lock_duration_ms INTEGER, external_id TEXT, external_url TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT, result TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "INSERT INTO tasks VALUES ('old', 'm', 'r', 'tracked', 'bitrix24', 't', 'pi', 'k', 'a', 'w', 1000,"
    " '5', NULL, 0, NULL, NULL, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');"
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ledger.sqlite3"


@pytest.fixture
def ledger(path: Path) -> Iterator[SqliteLedger]:
    store = SqliteLedger(path)
    yield store
    store.close()


@pytest.fixture
def open_handle(path: Path) -> Iterator[OpenHandle]:
    opened: list[SqliteLedger] = []

    def another() -> Ledger:
        opened.append(SqliteLedger(path))
        return opened[-1]

    yield another
    for handle in opened:
        handle.close()


class TestSqliteLedger(LedgerContract):
    @staticmethod
    def leave_thread(ledger: Ledger) -> None:
        ledger.close()  # SQLite: the thread's own connection


# -- the file ---------------------------------------------------------------------------------------


def test_the_file_is_in_write_ahead_log_mode(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    with sqlite3.connect(ledger.path) as conn:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()

    assert mode == "wal"


def test_every_thread_connection_keeps_a_small_page_cache(ledger: SqliteLedger) -> None:
    # Each pool thread opens its own connection; SQLite's default cache (2 MiB each, filled as
    # the file grows) put the tracker and creator over their memory budget.
    def cache_kib() -> int:
        (size,) = ledger._conn().execute("PRAGMA cache_size").fetchone()
        ledger.close()
        return -int(size)

    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(lambda _: cache_kib(), range(4)))

    assert sizes == [PAGE_CACHE_KIB] * 4
    assert PAGE_CACHE_KIB <= 512


def test_a_file_that_is_not_a_database_is_a_ledger_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a.db"
    path.write_bytes(b"garbage" * 1000)

    with pytest.raises(LedgerError, match=str(path)):
        SqliteLedger(path)


# -- DSNs -------------------------------------------------------------------------------------------


def test_a_three_slash_dsn_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    store = open_ledger("sqlite:///state/ledger.db")
    try:
        assert isinstance(store, SqliteLedger)
        route(store, "t-1")
        assert store.path == Path("state/ledger.db")
        assert (tmp_path / "state" / "ledger.db").is_file()
    finally:
        store.close()


def test_a_four_slash_dsn_is_an_absolute_path(tmp_path: Path) -> None:
    target = tmp_path / "abs" / "ledger.db"

    store = open_ledger(f"sqlite:///{target}")
    try:
        assert f"sqlite:///{target}".startswith("sqlite:////")
        assert isinstance(store, SqliteLedger)
        assert store.path == target
        assert target.is_file()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("dsn", "named"),
    [
        ("mysql://ledger:hunter2@db/exchanger", "scheme 'mysql'"),
        ("oracle+cx://x:hunter2@y/z", "scheme 'oracle+cx'"),
        ("ledger.db", "without a scheme"),
        ("hunter2", "without a scheme"),
        ("sqlite://ledger.db", "scheme 'sqlite'"),
    ],
)
def test_a_dsn_of_another_kind_is_a_config_error_naming_its_scheme_without_its_password(
    dsn: str, named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        open_ledger(dsn)

    assert caught.value.key == "ledger.dsn"
    assert named in str(caught.value)
    assert "sqlite:///" in str(caught.value) and "postgresql://" in str(caught.value)
    assert "hunter2" not in str(caught.value)


# -- versioned migrations ---------------------------------------------------------------------------


def _versions(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT version, name FROM ledger_migrations ORDER BY version").fetchall()
    conn.close()
    return [(int(version), str(name)) for version, name in rows]


def _columns(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        names = {str(row[1]) for row in conn.execute("PRAGMA table_info(tasks)")}
    conn.close()
    return names


def test_a_new_ledger_records_every_migration_it_applied(ledger: SqliteLedger) -> None:
    assert _versions(ledger.path) == [(m.version, m.name) for m in sqlite_schema.MIGRATIONS]
    assert {"claim_owner", "routed_at", "origin", "lease_owner", "lease_until"} <= _columns(ledger.path)


def test_an_older_ledger_file_is_migrated_and_keeps_its_records(tmp_path: Path) -> None:
    # Given a file of the first release: no version table, none of the later columns
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_LAYOUT)
    conn.close()

    # When a service of this release opens it
    ledger = SqliteLedger(path)

    # Then it is at the newest version with its record intact and every rule working
    try:
        assert [version for version, _ in _versions(path)] == [1, 2, 3]
        entry = ledger.get("old")
        assert entry is not None and entry.state is TaskState.TRACKED and entry.claim_owner is None
        assert [e.external_task_id for e in ledger.lease_tracked("a", "bitrix24", 5, 30)] == ["old"]
        route(ledger, "t-1")
        assert ledger.claim("t-1", "a", lease_s=30)
    finally:
        ledger.close()


def test_a_file_of_the_unnumbered_release_with_claims_is_migrated(tmp_path: Path) -> None:
    # Given a file the release before numbered migrations wrote: claim columns, no version table
    path = tmp_path / "claims.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_LAYOUT)
    for column in ("claim_owner TEXT", "claim_until REAL", "routed_at REAL", "origin TEXT"):
        conn.execute(f"ALTER TABLE tasks ADD COLUMN {column}")
    conn.execute("UPDATE tasks SET origin = 'direct'")
    conn.commit()
    conn.close()

    ledger = SqliteLedger(path)

    try:
        assert [version for version, _ in _versions(path)] == [1, 2, 3]
        entry = ledger.get("old")
        assert entry is not None and entry.origin == "direct"
    finally:
        ledger.close()


def test_a_newer_schema_is_refused_naming_both_versions(path: Path) -> None:
    # Given a ledger a later release migrated to a version this one does not know
    SqliteLedger(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO ledger_migrations VALUES (9, 'from the future', '2030-01-01T00:00:00+00:00')"
        )
    conn.close()

    # When this release opens it: refused, and nothing changed
    with pytest.raises(ConfigError) as caught:
        SqliteLedger(path)

    message = str(caught.value)
    assert "schema version 9" in message and f"version {len(sqlite_schema.MIGRATIONS)}" in message
    assert str(path) in message
    assert [version for version, _ in _versions(path)] == [1, 2, 3, 9]


def test_a_migration_that_fails_leaves_the_schema_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an old file, and a release whose last migration fails after changing something
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_LAYOUT)
    conn.close()

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE tasks ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("disk I/O error")

    broken = (*sqlite_schema.MIGRATIONS, Migration(4, "broken", half_done))
    monkeypatch.setattr(sqlite_schema, "MIGRATIONS", broken)

    # When it opens the file
    with pytest.raises(LedgerError, match="disk I/O error"):
        SqliteLedger(path)

    # Then not one migration was applied: no version table, no new column
    assert "half_done" not in _columns(path) and "claim_owner" not in _columns(path)
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "ledger_migrations" not in tables


def test_leases_are_kept_in_the_file(path: Path) -> None:
    first = SqliteLedger(path)
    tracked(first, "t-1")
    first.lease_tracked("a", "bitrix24", 1, lease_s=30)
    first.close()

    second = SqliteLedger(path)
    try:
        assert second.lease_tracked("b", "bitrix24", 1, lease_s=30) == []
    finally:
        second.close()


# -- processes opening one file together ------------------------------------------------------------


def _open_at_once(path: str, barrier: Any, errors: Any) -> None:
    barrier.wait(timeout=30)
    try:
        SqliteLedger(path).close()
    except LedgerError as err:
        errors.put(str(err))


def test_services_starting_together_all_open_a_new_ledger(tmp_path: Path) -> None:
    # Worker, creator and tracker start at once on a file none of them created yet: switching to
    # WAL and migrating take an exclusive lock the others must wait for, not fail on.
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(8):
        barrier = context.Barrier(6)
        path = str(tmp_path / f"ledger-{round_}.sqlite3")
        processes = [context.Process(target=_open_at_once, args=(path, barrier, errors)) for _ in range(6)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [version for version, _ in _versions(Path(path))] == [1, 2, 3], "each migration once"
    assert errors.empty(), errors.get()
