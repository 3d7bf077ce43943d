"""The PostgreSQL ledger on the real server: the ledger contract (shared with SQLite), races
between separate pools, versioned migrations and DSNs.

Each test has a schema of its own (the ``postgres_dsn`` fixture); a second handle is a second
``PostgresLedger`` with its own connection pool, as another process or host would have.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from core.errors import ConfigError, LedgerError
from core.ledger import Ledger, TaskState, open_ledger
from core.ledger.migrations import Migration
from core.ledger.postgres import PostgresLedger
from core.ledger.postgres_schema import MIGRATIONS, PgConnection, migrate
from tests.support.ledger_contract import LedgerContract, OpenHandle, route, run_in_threads, tracked
from tests.support.services import POSTGRES_PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture
def ledger(postgres_dsn: str) -> Iterator[PostgresLedger]:
    store = PostgresLedger(postgres_dsn)
    yield store
    store.close()


@pytest.fixture
def open_handle(postgres_dsn: str) -> Iterator[OpenHandle]:
    opened: list[PostgresLedger] = []

    def another() -> Ledger:
        opened.append(PostgresLedger(postgres_dsn))
        return opened[-1]

    yield another
    for handle in opened:
        handle.close()


class TestPostgresLedger(LedgerContract):
    pass


# -- races between pools --------------------------------------------------------------------------------


def test_creators_on_separate_pools_racing_for_many_tasks_each_win_each_task_once(postgres_dsn: str) -> None:
    # Given four creators, each with a pool of its own, and 200 routed tasks
    handles = [PostgresLedger(postgres_dsn, max_size=2) for _ in range(4)]
    tasks = [f"t-{n:03}" for n in range(200)]
    for task in tasks:
        route(handles[0], task)
    winners: dict[str, list[int]] = {task: [] for task in tasks}
    lock = threading.Lock()

    # When 12 threads (3 per pool) claim every task and store a result for those they won
    def work(index: int) -> None:
        store = handles[index % 4]
        for task in tasks:
            if store.claim(task, f"creator-{index}", 30):
                with lock:
                    winners[task].append(index)
                assert store.record_result(task, TaskState.RESULT, f'{{"by": {index}}}')

    try:
        run_in_threads(12, work)

        # Then every task ran once, and its stored result is its winner's
        assert all(len(owners) == 1 for owners in winners.values()), "a task was claimed twice"
        for task, (winner,) in winners.items():
            entry = handles[1].get(task)
            assert entry is not None and entry.result == f'{{"by": {winner}}}' and entry.claim_owner is None
    finally:
        for handle in handles:
            handle.close()


def test_a_settlement_racing_a_cancellation_leaves_one_final_state(postgres_dsn: str) -> None:
    # Given tracked tasks a tracker completes while another host cancels them
    completer, canceller = PostgresLedger(postgres_dsn), PostgresLedger(postgres_dsn)
    tasks = [f"t-{n:03}" for n in range(100)]
    for task in tasks:
        tracked(completer, task)
    outcome: dict[str, list[TaskState]] = {task: [] for task in tasks}
    lock = threading.Lock()

    def work(index: int) -> None:
        store, state = (completer, TaskState.COMPLETED) if index % 2 else (canceller, TaskState.CANCELLED)
        for task in tasks:
            if store.mark(task, state):
                with lock:
                    outcome[task].append(state)

    try:
        run_in_threads(6, work)

        for task, states in outcome.items():
            assert len(states) == 1, f"{task}: {states}"
            entry = canceller.get(task)
            assert entry is not None and entry.state is states[0]
    finally:
        completer.close()
        canceller.close()


# -- migrations -----------------------------------------------------------------------------------------


def _versions(dsn: str) -> list[int]:
    with psycopg.connect(dsn) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM ledger_migrations ORDER BY version")]


def test_a_new_schema_records_every_migration(ledger: PostgresLedger, postgres_dsn: str) -> None:
    assert _versions(postgres_dsn) == [m.version for m in MIGRATIONS]


def test_an_older_schema_is_migrated_and_keeps_its_records(postgres_dsn: str) -> None:
    # Given a database an earlier release prepared (version 1: no leases) with a tracked record
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        migrate(conn, "test", MIGRATIONS[:1])
        conn.execute(
            "INSERT INTO tasks (external_task_id, message_id, record_id, state, system, topic,"
            " process_instance_id, process_definition_key, activity_id, worker_id, external_id,"
            " created_at, updated_at) VALUES ('old', 'm', 'r', 'tracked', 'bitrix24', 't', 'pi', 'k', 'a',"
            " 'w', '5', now(), now())"
        )
    assert _versions(postgres_dsn) == [1]

    # When this release opens it
    ledger = PostgresLedger(postgres_dsn)

    # Then it is at the newest version, the record is intact and the new columns work
    try:
        assert _versions(postgres_dsn) == [1, 2]
        entry = ledger.get("old")
        assert entry is not None and entry.state is TaskState.TRACKED and entry.external_id == "5"
        assert [e.external_task_id for e in ledger.lease_tracked("a", "bitrix24", 5, 30)] == ["old"]
        assert [e.external_task_id for e in ledger.recent(5)] == ["old"]
    finally:
        ledger.close()


def test_a_newer_schema_is_refused_naming_both_versions_and_not_the_password(postgres_dsn: str) -> None:
    PostgresLedger(postgres_dsn).close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO ledger_migrations (version, name) VALUES (7, 'from the future')")

    with pytest.raises(ConfigError) as caught:
        open_ledger(postgres_dsn)

    message = str(caught.value)
    assert "schema version 7" in message and f"(version {len(MIGRATIONS)})" in message
    assert "127.0.0.1:" in message and POSTGRES_PASSWORD not in message
    assert _versions(postgres_dsn) == [1, 2, 7]


def test_a_migration_that_fails_is_not_half_applied(
    postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a release whose third migration changes the table and then fails
    def half_done(conn: PgConnection) -> None:
        conn.execute("ALTER TABLE tasks ADD COLUMN half_done TEXT")
        conn.execute("SELECT 1 / 0")

    broken = (*MIGRATIONS, Migration(3, "broken", half_done))
    monkeypatch.setattr("core.ledger.postgres_schema.MIGRATIONS", broken)

    # When it opens a new schema: refused with the server's reason
    with pytest.raises(LedgerError, match="division by zero"):
        PostgresLedger(postgres_dsn)

    # Then nothing of any migration is there: not the table, not the version table
    with psycopg.connect(postgres_dsn) as conn:
        tables = {
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }
    assert tables == set()


def test_services_starting_together_migrate_once(postgres_dsn: str) -> None:
    # Given eight services opening a ledger nobody prepared, at the same moment
    opened: list[PostgresLedger] = []
    lock = threading.Lock()

    def start(_index: int) -> None:
        ledger = PostgresLedger(postgres_dsn, min_size=1, max_size=1)
        with lock:
            opened.append(ledger)

    try:
        run_in_threads(8, start)

        # Then all of them opened it, and each migration was applied once
        assert len(opened) == 8
        assert _versions(postgres_dsn) == [1, 2]
        route(opened[0], "t-1")
        assert opened[7].get("t-1") is not None
    finally:
        for ledger in opened:
            ledger.close()


# -- DSNs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_every_spelling_of_a_postgresql_dsn_opens_the_postgresql_ledger(
    postgres_dsn: str, scheme: str
) -> None:
    dsn = scheme + postgres_dsn[len("postgresql") :]

    ledger = open_ledger(dsn)

    try:
        assert isinstance(ledger, PostgresLedger)
        route(ledger, "t-1")
        assert ledger.counts() == {"routed": 1}
    finally:
        ledger.close()


def test_a_wrong_password_is_a_ledger_error_that_does_not_show_it(postgres_server: str) -> None:
    dsn = postgres_server.replace(f":{POSTGRES_PASSWORD}@", ":not-the-Pa55word@")

    with pytest.raises(LedgerError) as caught:
        open_ledger(dsn)

    message = str(caught.value)
    assert "password authentication failed" in message
    assert "not-the-Pa55word" not in message and "exchanger:***@127.0.0.1" in message


def test_an_unreachable_server_is_a_ledger_error_naming_it() -> None:
    dsn = f"postgresql://exchanger:{POSTGRES_PASSWORD}@127.0.0.1:1/exchanger"

    with pytest.raises(LedgerError) as caught:
        open_ledger(dsn)

    assert "127.0.0.1" in str(caught.value) and POSTGRES_PASSWORD not in str(caught.value)


def test_a_closed_ledger_refuses_calls_with_a_ledger_error(ledger: PostgresLedger) -> None:
    ledger.close()

    with pytest.raises(LedgerError, match="closed"):
        ledger.get("t-1")
