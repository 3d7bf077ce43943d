"""Direct-task records and datasets (SQLAlchemy) in the ledger's PostgreSQL database.

The settings' ``ledger_dsn()`` and ``datasets_dsn()`` name one database; each test has a schema
of its own there. What SQLite serialises with its one writer, PostgreSQL must get right between
separate engines (processes or hosts): one record per idempotency key, one final outcome, a
chunk stored once, chunks numbered in turn, tables created once when services start together.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from core import wiring
from core.config import AppSettings, load_settings
from core.contracts.direct import Submission
from core.datasets import DatasetStore, open_store
from core.intake import DirectState, DirectStore, Submitter
from core.ledger.postgres import PostgresLedger
from tests.support.ledger_contract import run_in_threads

pytestmark = pytest.mark.integration

REST = Submitter("rest", "ops", reply_to="their.replies")


@pytest.fixture
def settings(tmp_path: Path, postgres_dsn: str) -> AppSettings:
    (tmp_path / "systems.yaml").write_text(json.dumps({"systems": {"python": {"kind": "immediate"}}}))
    return load_settings(tmp_path, env={"LEDGER_DSN": postgres_dsn, "EXCHANGER_STATE_DIR": str(tmp_path)})


@pytest.fixture
def records(settings: AppSettings) -> Iterator[DirectStore]:
    store = DirectStore.open(settings.ledger_dsn())
    yield store
    store.close()


@pytest.fixture
def datasets(settings: AppSettings) -> Iterator[DatasetStore]:
    store = open_store(settings.datasets_dsn())
    yield store
    store.close()


def echo(n: int, key: str | None = None) -> Submission:
    return Submission(system="python", topic="echo", variables={"n": n}, idempotency_key=key)


def test_the_ledger_records_and_datasets_share_the_one_database(
    settings: AppSettings, postgres_dsn: str, records: DirectStore, datasets: DatasetStore
) -> None:
    assert settings.ledger_dsn() == settings.datasets_dsn() == postgres_dsn
    ledger = wiring.ledger(settings)
    try:
        assert isinstance(ledger, PostgresLedger)
        with psycopg.connect(postgres_dsn) as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = {row[0] for row in rows}
        assert tables == {
            "tasks",
            "ledger_migrations",
            "direct_tasks",
            "datasets",
            "dataset_chunks",
            "dataset_rows",
            "stored_rows",
        }
    finally:
        ledger.close()


# -- direct-task records --------------------------------------------------------------------------------


def test_a_record_goes_from_accepted_to_one_final_outcome_and_its_reply(records: DirectStore) -> None:
    record, created = records.create(echo(1, key="k-1"), REST)
    again, created_again = records.create(echo(1, key="k-1"), REST)
    records.mark_queued(record.id)

    assert (created, created_again, again.id) == (True, False, record.id)
    assert records.finish(record.id, DirectState.COMPLETED, result={"n": 1}, attempts=1)
    assert not records.finish(record.id, DirectState.FAILED, error={"message": "late"})
    assert [r.id for r in records.unreplied(older_than_s=-1)] == [record.id]
    records.mark_replied(record.id)
    stored = records.get(record.id)
    assert stored.status is DirectState.COMPLETED and stored.result == {"n": 1} and stored.replied_at
    assert records.page(status="completed").total == 1
    assert records.purge_finished_before(stored.finished_at + 1) == 1  # type: ignore[operator]


def test_submitters_racing_with_one_key_get_one_record(settings: AppSettings, records: DirectStore) -> None:
    # Given three API processes (engines of their own), each with threads submitting one key at once
    stores = [records, DirectStore.open(settings.ledger_dsn()), DirectStore.open(settings.ledger_dsn())]
    seen: list[tuple[str, bool]] = []

    def submit(index: int) -> None:
        record, created = stores[index % 3].create(echo(7, key="same-key"), REST)
        seen.append((record.id, created))

    try:
        run_in_threads(9, submit)
    finally:
        for store in stores[1:]:
            store.close()

    # Then one record was created and every caller was given it
    assert len({record_id for record_id, _ in seen}) == 1
    assert sorted(created for _, created in seen) == [False] * 8 + [True]
    assert records.page().total == 1


def test_trackers_racing_to_finish_a_record_store_one_outcome(
    settings: AppSettings, records: DirectStore
) -> None:
    other = DirectStore.open(settings.ledger_dsn())
    created = [records.create(echo(n), REST)[0].id for n in range(30)]
    outcomes: dict[str, list[DirectState]] = {record_id: [] for record_id in created}
    lock = threading.Lock()

    def finish(index: int) -> None:
        store = (records, other)[index % 2]
        status = (DirectState.COMPLETED, DirectState.FAILED, DirectState.BPMN_ERROR)[index % 3]
        for record_id in created:
            if store.finish(record_id, status, attempts=1):
                with lock:
                    outcomes[record_id].append(status)

    try:
        run_in_threads(6, finish)
    finally:
        other.close()

    for record_id, statuses in outcomes.items():
        assert len(statuses) == 1, f"{record_id}: {statuses}"
        assert records.get(record_id).status is statuses[0]


# -- datasets -------------------------------------------------------------------------------------------


def test_a_dataset_is_written_in_chunks_once_resumed_and_finished(datasets: DatasetStore) -> None:
    writer = datasets.writer("d1", "wb.orders")
    assert writer.append("page-1", [{"n": 1}, {"n": 2, "name": "é"}], cursor="c1")
    assert not writer.append("page-1", [{"n": 99}], cursor="bad")
    again = datasets.writer("d1", "wb.orders")
    assert again.chunk_keys() == {"page-1"} and again.last_cursor() == "c1"
    assert again.append("page-2", [{"n": 3}], cursor="c2")

    ref = again.finish("2026-01-01", "2026-01-02")

    assert ref.rows == 3 and again.finish() == ref
    assert [row["n"] for row in datasets.rows(ref)] == [1, 2, 3]
    upserted = datasets.upsert("orders", ["n"], datasets.rows(ref), dataset_id=ref.id)
    assert (upserted.written, upserted.table_rows) == (3, 3)
    assert datasets.upsert("orders", ["n"], [{"n": 1, "v": "new"}]).table_rows == 3
    assert next(iter(datasets.table_rows("orders"))) == {"n": 1, "v": "new"}


def test_two_runs_starting_one_dataset_at_once_share_it(
    settings: AppSettings, datasets: DatasetStore
) -> None:
    stores = [datasets, *(open_store(settings.datasets_dsn()) for _ in range(3))]
    writers: list[object] = []

    try:
        run_in_threads(8, lambda index: writers.append(stores[index % 4].writer("shared", "wb.sales")))
    finally:
        for store in stores[1:]:
            store.close()

    assert len(writers) == 8
    assert datasets.writer("shared", "wb.sales").chunk_keys() == set()


def test_chunks_appended_at_once_are_all_stored_in_turn(
    settings: AppSettings, datasets: DatasetStore
) -> None:
    # Given one dataset and four engines appending different chunks (and one chunk twice) at once
    stores = [datasets, *(open_store(settings.datasets_dsn()) for _ in range(3))]
    datasets.writer("d1", "k")
    stored: list[bool] = []

    def append(index: int) -> None:
        writer = stores[index % 4].writer("d1", "k")
        for n in range(10):
            stored.append(writer.append(f"chunk-{index}-{n}", [{"i": index, "n": n}]))
        stored.append(writer.append("everyone", [{"i": -1}]))

    try:
        run_in_threads(8, append)
    finally:
        for store in stores[1:]:
            store.close()

    # Then none was lost to a clash of chunk numbers, and the shared chunk is there once
    assert stored.count(True) == 81
    ref = datasets.writer("d1", "k").finish()
    assert ref.rows == 81
    assert len(list(datasets.rows(ref))) == 81


def test_services_starting_together_create_the_tables_once(settings: AppSettings) -> None:
    opened: list[DirectStore | DatasetStore] = []
    lock = threading.Lock()

    def start(index: int) -> None:
        store = DirectStore.open(settings.ledger_dsn()) if index % 2 else open_store(settings.datasets_dsn())
        with lock:
            opened.append(store)

    try:
        run_in_threads(8, start)
    finally:
        for store in opened:
            store.close()

    assert len(opened) == 8
