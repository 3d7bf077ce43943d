"""The storage system and dataset-sourced data handlers, on a real SQLite dataset store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import datasets
from core.actions.router import TaskRouter
from core.datasets import DatasetError, DatasetRef, DatasetStore
from core.errors import ConfigError, PermanentError
from systems.python import create_router as python_router
from systems.storage import create_router
from tests.unit.test_python_system import completed, run

DAYS = [
    {
        "advert_id": 1,
        "date": "2026-11-01",
        "views": 1000,
        "clicks": 50,
        "sum": 500.0,
        "orders": 5,
        "sum_price": 2500.0,
    },
    {
        "advert_id": 1,
        "date": "2026-11-02",
        "views": 1000,
        "clicks": 30,
        "sum": 300.0,
        "orders": 3,
        "sum_price": 900.0,
    },
    {
        "advert_id": 2,
        "date": "2026-11-01",
        "views": 4000,
        "clicks": 80,
        "sum": 6000.0,
        "orders": 0,
        "sum_price": 0.0,
    },
    {
        "advert_id": 2,
        "date": "2026-11-02",
        "views": 0,
        "clicks": 0,
        "sum": 0.0,
        "orders": 0,
        "sum_price": 0.0,
    },
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DatasetStore]:
    datasets.configure(f"sqlite:///{tmp_path / 'datasets.sqlite3'}")
    yield datasets.shared_store()
    datasets.close()


@pytest.fixture
def router() -> TaskRouter:
    return create_router({})


def dataset(store: DatasetStore, rows: list[dict[str, Any]], name: str = "stats") -> dict[str, Any]:
    writer = store.writer(name, kind="wb.fullstats")
    writer.append("all", rows)
    return writer.finish("2026-11-01", "2026-11-02").to_variable()


def props(**values: Any) -> dict[str, str]:
    return {f"storage.{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def upsert(router: TaskRouter, ref: dict[str, Any]) -> dict[str, Any]:
    properties = props(dataset="stats", table="campaign_days", key="advert_id, date")
    return completed(run(router, "storage.upsert", {"stats": ref}, properties=properties))


def test_upsert_twice_leaves_the_same_rows(store: DatasetStore, router: TaskRouter) -> None:
    ref = dataset(store, DAYS)
    assert upsert(router, ref) == {"stored_rows": 4, "stored_table_rows": 4}
    assert upsert(router, ref) == {"stored_rows": 4, "stored_table_rows": 4}
    assert list(store.table_rows("campaign_days")) == sorted(DAYS, key=lambda r: (r["advert_id"], r["date"]))


def test_upsert_refuses_what_is_not_a_reference(store: DatasetStore, router: TaskRouter) -> None:
    properties = props(dataset="stats", table="campaign_days", key="advert_id")
    with pytest.raises(DatasetError, match="'stats'"):
        run(router, "storage.upsert", {"stats": [1, 2]}, properties=properties)
    with pytest.raises(PermanentError, match=r"'stats' \(from storage\.dataset\) is missing"):
        run(router, "storage.upsert", {}, properties=properties)
    with pytest.raises(PermanentError, match="table name 'drop table'"):
        run(router, "storage.upsert", {"stats": {}}, properties={**properties, "storage.table": "drop table"})


def test_query_groups_computes_and_filters_back_into_variables(
    store: DatasetStore, router: TaskRouter
) -> None:
    upsert(router, dataset(store, DAYS))
    properties = props(
        table="campaign_days",
        group_by="advert_id",
        metrics={"spend": "sum:sum", "orders": "sum:orders"},
        compute={"cpo": "spend / orders"},
        having=[{"field": "spend", "op": ">", "value": 5000}, {"field": "orders", "op": "==", "value": 0}],
        target="flagged",
    )
    result = completed(run(router, "storage.query", {}, properties=properties))
    assert result == {
        "flagged": [{"advert_id": 2, "spend": 6000.0, "orders": 0, "cpo": None}],
        "flagged_count": 1,
    }


def test_query_refuses_more_rows_than_variables_should_carry(store: DatasetStore) -> None:
    small = create_router({"max_query_rows": 3})
    upsert(small, dataset(store, DAYS))
    with pytest.raises(PermanentError, match=r"4 rows .* exceed max_query_rows=3"):
        run(small, "storage.query", {}, properties=props(table="campaign_days"))


def test_query_names_an_unknown_setting(store: DatasetStore, router: TaskRouter) -> None:
    with pytest.raises(PermanentError, match=r"storage\.grup_by"):
        run(router, "storage.query", {}, properties=props(table="t", grup_by="a"))


def test_bad_options_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_query_rows"):
        create_router({"max_query_rows": 0})


def test_aggregating_a_dataset_writes_a_dataset_with_computed_ratios(store: DatasetStore) -> None:
    properties = {
        "data.source": "stats",
        "data.group_by": "advert_id",
        "data.metrics": json.dumps(
            {
                "views": "sum:views",
                "clicks": "sum:clicks",
                "spend": "sum:sum",
                "orders": "sum:orders",
                "revenue": "sum:sum_price",
            }
        ),
        "data.compute": json.dumps(
            {
                "ctr": "clicks / views * 100",
                "cpc": "spend / clicks",
                "cr": "orders / clicks * 100",
                "romi": "(revenue - spend) / spend * 100",
            }
        ),
        "data.target": "metrics",
    }
    variables = {"stats": dataset(store, DAYS)}
    result = completed(run(python_router({}), "data.aggregate", variables, properties=properties))
    ref = DatasetRef.from_variable(result["metrics"], name="metrics")
    assert result["metrics_rows"] == 2 and ref.kind == "data.aggregate" and ref.time_from == "2026-11-01"
    first, second = store.rows(ref)
    assert first == {
        "advert_id": 1,
        "views": 2000,
        "clicks": 80,
        "spend": 800.0,
        "orders": 8,
        "revenue": 3400.0,
        "ctr": 4.0,
        "cpc": 10.0,
        "cr": 10.0,
        "romi": 325.0,
    }
    assert second["romi"] == -100.0 and second["cr"] == 0.0
    again = completed(run(python_router({}), "data.aggregate", variables, properties=properties))
    assert again == result  # the same task writes the same dataset once


def test_a_computed_field_may_not_shadow_a_metric(store: DatasetStore) -> None:
    properties = {
        "data.source": "stats",
        "data.metrics": json.dumps({"views": "sum:views"}),
        "data.compute": json.dumps({"views": "views * 2"}),
    }
    with pytest.raises(PermanentError, match="'views' is already a group field or a metric"):
        run(python_router({}), "data.aggregate", {"stats": DAYS}, properties=properties)


def test_query_reads_one_run_from_its_dataset(store: DatasetStore, router: TaskRouter) -> None:
    ref = dataset(store, DAYS)
    properties = props(dataset="stats", metrics={"spend": "sum:sum"}, target="total")
    result = completed(run(router, "storage.query", {"stats": ref}, properties=properties))
    assert result == {"total": [{"spend": 6800.0}], "total_count": 1}
