"""The dataset store on a real SQLite file: chunks once, resumable, references checked, upserts idempotent."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import AppSettings
from core.datasets import (
    DatasetError,
    DatasetRef,
    DatasetStore,
    dataset_id_for,
    open_store,
)
from core.errors import ConfigError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DatasetStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'datasets.sqlite3'}")
    yield opened
    opened.close()


def test_reference_round_trips_through_a_variable() -> None:
    ref = DatasetRef("d1", "wb.fullstats", 3, "2026-01-01", "2026-01-31", "sha256:ab")
    assert DatasetRef.from_variable(ref.to_variable(), name="stats") == ref
    assert ref.to_variable()["dataset_id"] == "d1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "holds nothing"),
        ([1, 2], "holds list"),
        ({"dataset_id": "d", "kind": "k", "rows": 1}, "no checksum"),
        ({"dataset_id": "d", "kind": "k", "rows": "many", "checksum": "x"}, "rows must be a number"),
    ],
)
def test_a_variable_that_is_no_reference_is_named(value: object, expected: str) -> None:
    with pytest.raises(DatasetError, match=expected) as caught:
        DatasetRef.from_variable(value, name="campaigns")
    assert "'campaigns'" in str(caught.value)


def test_dataset_ids_follow_the_task_and_kind() -> None:
    assert dataset_id_for("wb.orders", "t1") == dataset_id_for("wb.orders", "t1")
    assert dataset_id_for("wb.orders", "t1") != dataset_id_for("wb.sales", "t1")
    assert dataset_id_for("wb.orders", "t1") != dataset_id_for("wb.orders", "t2")


def test_a_chunk_is_stored_once_and_rows_keep_their_order(store: DatasetStore) -> None:
    writer = store.writer("d1", "k")
    assert writer.append("page-1", [{"n": 1}, {"n": 2}], cursor="c1") is True
    assert writer.append("page-1", [{"n": 99}], cursor="bad") is False
    assert writer.append("page-2", [{"n": 3}], cursor="c2") is True
    ref = writer.finish("2026-01-01", "2026-01-02")
    assert ref.rows == 3 and ref.time_from == "2026-01-01"
    assert [row["n"] for row in store.rows(ref)] == [1, 2, 3]


def test_a_reopened_writer_resumes_where_the_last_run_stopped(store: DatasetStore) -> None:
    first = store.writer("d1", "k")
    first.append("a", [{"n": 1}], cursor="2026-01-01T10:00:00")
    first.append("b", [{"n": 2}], cursor="2026-01-01T11:00:00")
    again = store.writer("d1", "k")
    assert again.chunk_keys() == {"a", "b"}
    assert again.last_cursor() == "2026-01-01T11:00:00"


def test_finishing_is_idempotent_and_freezes_the_dataset(store: DatasetStore) -> None:
    writer = store.writer("d1", "k")
    writer.append("a", [{"x": 1, "y": "é"}])
    first = writer.finish()
    assert writer.finish() == first and store.finished("d1") == first
    with pytest.raises(DatasetError, match="finished"):
        writer.append("b", [{"x": 2}])


def test_equal_rows_give_equal_checksums(store: DatasetStore) -> None:
    left, right = store.writer("l", "k"), store.writer("r", "k")
    left.append("a", [{"a": 1, "b": 2}])
    right.append("z", [{"b": 2, "a": 1}])
    assert left.finish().checksum == right.finish().checksum
    other = store.writer("o", "k")
    other.append("a", [{"a": 1, "b": 3}])
    assert other.finish().checksum != left.finish().checksum


def test_rows_of_an_unfinished_or_altered_dataset_are_refused(store: DatasetStore) -> None:
    writer = store.writer("d1", "k")
    writer.append("a", [{"n": 1}])
    with pytest.raises(DatasetError, match="not finished"):
        list(store.rows("d1"))
    ref = writer.finish()
    forged = DatasetRef(ref.id, ref.kind, ref.rows, None, None, "sha256:forged")
    with pytest.raises(DatasetError, match="checksum"):
        list(store.rows(forged))


def test_a_dataset_id_keeps_its_kind(store: DatasetStore) -> None:
    store.writer("d1", "wb.orders")
    with pytest.raises(DatasetError, match=r"holds wb\.orders"):
        store.writer("d1", "wb.sales")


def test_racing_writers_store_a_chunk_once(tmp_path: Path) -> None:
    dsn = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    stores = [open_store(dsn) for _ in range(4)]  # separate engines, as separate processes have
    results: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def append(store: DatasetStore) -> None:
        writer = store.writer("d1", "k")
        barrier.wait()
        results.append(writer.append("only", [{"n": 1}, {"n": 2}]))

    threads = [threading.Thread(target=append, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
    assert stores[0].writer("d1", "k").finish().rows == 2
    for opened in stores:
        opened.close()


def test_upsert_by_key_is_idempotent(store: DatasetStore) -> None:
    rows = [{"id": 1, "day": "d1", "v": 10}, {"id": 1, "day": "d2", "v": 20}, {"id": 2, "day": "d1", "v": 5}]
    first = store.upsert("metrics", ["id", "day"], rows, dataset_id="ds")
    again = store.upsert("metrics", ["id", "day"], rows, dataset_id="ds")
    assert first.table_rows == again.table_rows == 3
    changed = store.upsert("metrics", ["id", "day"], [{"id": 2, "day": "d1", "v": 6}])
    assert changed.table_rows == 3
    assert [r["v"] for r in store.table_rows("metrics")] == [10, 20, 6]
    assert list(store.table_rows("other")) == []


def test_upsert_names_a_missing_key_field(store: DatasetStore) -> None:
    with pytest.raises(DatasetError, match="key field\\(s\\) day"):
        store.upsert("metrics", ["id", "day"], [{"id": 1}])
    with pytest.raises(DatasetError, match="no key fields"):
        store.upsert("metrics", [], [{"id": 1}])


def test_an_unknown_database_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="scheme 'mysql'"):
        open_store("mysql://host/db")


def test_datasets_sit_beside_an_sqlite_ledger(tmp_path: Path) -> None:
    settings = AppSettings(state_dir=tmp_path)
    assert settings.datasets_dsn() == f"sqlite:///{tmp_path.resolve() / 'datasets.sqlite3'}"


def test_a_finished_dataset_accepts_its_own_chunks_again_as_no_ops(store: DatasetStore) -> None:
    writer = store.writer("d1", "k")
    writer.append("a", [{"n": 1}])
    ref = writer.finish()
    assert store.writer("d1", "k").append("a", [{"n": 1}]) is False
    assert store.writer("d1", "k").finish() == ref


def test_a_creator_that_never_opens_the_store_never_loads_sqlalchemy(tmp_path: Path) -> None:
    # SQLAlchemy is about 13 MB of a process; only a dataset system's first write or read pays for it.
    code = (
        "import sys\n"
        "import task_creator.app\n"
        "from core import datasets\n"
        "from systems import registry\n"
        "registry.create_router('python', {'handler_modules': ['tools.bench.echo_topic']})\n"
        f"datasets.configure('sqlite:///{tmp_path / 'datasets.sqlite3'}')\n"
        "print('sqlalchemy' in sys.modules)\n"
        "datasets.shared_store()\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
