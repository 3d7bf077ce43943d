"""The wildberries actions against the real sandbox (in a thread, time sped up) and a temporary
SQLite dataset store: campaigns, fullstats with 429s, resumption without re-fetching, paging."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses

from core.actions.outcomes import Complete, HandlerOutcome
from core.actions.router import Handler
from core.datasets import DatasetRef, DatasetStore, dataset_id_for, open_store
from core.errors import PermanentError, RetryableError, TransportFailure
from systems.wildberries import build_router
from systems.wildberries.errors import WildberriesAuthError
from systems.wildberries.settings import load_settings
from systems.wildberries.shared import Shared
from tests.fixtures.wildberries.support import (
    ENV,
    STATISTICS,
    TODAY,
    Sandbox,
    context,
    options,
    running_sandbox,
    shared,
)
from tools.sandbox.wildberries import feed
from tools.sandbox.wildberries.accounts import ACCOUNTS
from tools.sandbox.wildberries.campaigns import ANOMALY_DAYS, STATS_STATUSES, campaigns, day_metrics

MAIN = ACCOUNTS["main"]
WINDOW = (TODAY - timedelta(days=60), TODAY - timedelta(days=1))  # "last 60 days"


class Interrupted(Exception):
    """What a lost lock looks like to the action: keep_alive raises."""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(sandbox: Sandbox) -> None:
    sandbox.control("POST", "reset")
    sandbox.control("POST", "settings", {"page_cap": 500})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DatasetStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'datasets.sqlite3'}")
    yield opened
    opened.close()


@pytest.fixture
def parts(sandbox: Sandbox, store: DatasetStore) -> Shared:
    return shared(sandbox.settings(), store)


def handler_of(parts: Shared, topic: str) -> Handler:
    found = build_router(parts).handler_for(topic)
    assert found is not None
    return found


def run(parts: Shared, topic: str, **kwargs: Any) -> dict[str, Any]:
    outcome: HandlerOutcome = handler_of(parts, topic)(context(topic, **kwargs))
    assert isinstance(outcome, Complete)
    return dict(outcome.variables)


def rows_of(store: DatasetStore, variable: dict[str, Any]) -> list[dict[str, Any]]:
    return list(store.rows(DatasetRef.from_variable(variable, name="test")))


def stats_campaigns(seed: int = MAIN.seed, count: int = MAIN.campaigns) -> list[Any]:
    return [c for c in campaigns(seed, count) if c.status in STATS_STATUSES]


def expected_days(begin: date, end: date) -> set[tuple[int, str]]:
    """(advert_id, day) the sandbox has stats for, computed from its seeded data."""
    return {
        (c.advert_id, day.isoformat())
        for c in stats_campaigns()
        for day in c.stat_days(TODAY)
        if begin <= day <= end
    }


def campaigns_variable(parts: Shared) -> dict[str, Any]:
    return run(parts, "wb.campaigns", task_id="campaigns-1")["wb_campaigns"]


# -- wb.campaigns ----------------------------------------------------------------------------


def test_campaigns_are_a_dataset_of_the_wanted_statuses_with_their_details(
    parts: Shared, store: DatasetStore
) -> None:
    variables = run(parts, "wb.campaigns")
    rows = rows_of(store, variables["wb_campaigns"])
    expected = {c.advert_id: c for c in stats_campaigns()}
    assert variables["wb_campaign_count"] == len(expected) == len(rows)
    assert variables["wb_campaigns"]["kind"] == "wb.campaigns"
    for row in rows:
        seeded = expected[row["advert_id"]]
        assert (row["name"], row["status"], row["type"], row["payment_type"]) == (
            seeded.name,
            seeded.status,
            seeded.type,
            seeded.payment_type,
        )
        assert row["nm_ids"] == list(seeded.nm_ids) and row["change_time"]


def test_campaign_filters_come_from_properties(parts: Shared, store: DatasetStore) -> None:
    others = run(parts, "wb.campaigns", task_id="c-2", properties={"wb.statuses": "4,-1"})
    assert {row["status"] for row in rows_of(store, others["wb_campaigns"])} == {4, -1}
    cpc = run(
        parts,
        "wb.campaigns",
        task_id="c-3",
        properties={"wb.payment_type": "cpc", "wb.types": "9", "wb.output": "x"},
    )
    wanted = {c.advert_id for c in stats_campaigns() if c.payment_type == "cpc" and c.type == 9}
    assert {row["advert_id"] for row in rows_of(store, cpc["x"])} == wanted
    assert cpc["x_count"] == len(wanted)


def test_a_token_without_the_category_fails_naming_it_and_the_variable(
    parts: Shared, sandbox: Sandbox
) -> None:
    task = context("wb.campaigns", properties={"wb.account": "stats"})
    with pytest.raises(WildberriesAuthError) as raised:
        handler_of(parts, "wb.campaigns")(task)
    message = str(raised.value)
    assert "Продвижение" in message and "WB_TOKEN_STATS" in message
    assert ENV["WB_TOKEN_STATS"] not in message
    assert sandbox.calls("count", status=401)


def test_an_unknown_account_is_a_permanent_error_naming_the_known_ones(parts: Shared) -> None:
    task = context("wb.campaigns", variables={"wb_account": "nobody"})
    with pytest.raises(PermanentError, match=r"'nobody'.*main, second, stats"):
        handler_of(parts, "wb.campaigns")(task)


# -- wb.fullstats ----------------------------------------------------------------------------


def test_sixty_days_of_fullstats_store_every_campaign_day_once_despite_429s(
    parts: Shared, store: DatasetStore, sandbox: Sandbox
) -> None:
    reference = campaigns_variable(parts)
    sandbox.fault("rate_limited", endpoint="fullstats", count=3)
    variables = run(
        parts, "wb.fullstats", variables={"wb_campaigns": reference}, properties={"wb.period": "last 60 days"}
    )
    rows = rows_of(store, variables["wb_fullstats"])
    expected = expected_days(*WINDOW)
    assert variables["wb_fullstats_rows"] == len(rows) == len(expected)
    assert {(row["advert_id"], row["date"]) for row in rows} == expected
    assert variables["wb_fullstats"]["time_from"] == WINDOW[0].isoformat()
    served = sandbox.state()["fullstats_served"]
    assert len(served) == 2 and set(served.values()) == {1}  # 2 periods × 1 id chunk, each once
    assert len(sandbox.calls("fullstats", status=429)) >= 3  # the injected ones were waited out
    one = next(c for c in stats_campaigns() if c.status == 9)
    day = WINDOW[1]
    row = next(r for r in rows if r["advert_id"] == one.advert_id and r["date"] == day.isoformat())
    assert {key: row[key] for key in ("views", "clicks", "sum", "orders")} == {
        key: day_metrics(MAIN.seed, one, day, TODAY)[key] for key in ("views", "clicks", "sum", "orders")
    }


def test_the_anomaly_campaign_spends_without_orders_lately(parts: Shared, store: DatasetStore) -> None:
    reference = campaigns_variable(parts)
    begin = TODAY - timedelta(days=ANOMALY_DAYS)
    variables = run(
        parts,
        "wb.fullstats",
        variables={
            "wb_campaigns": reference,
            "date_from": begin.isoformat(),
            "date_to": WINDOW[1].isoformat(),
        },
    )
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    for row in rows_of(store, variables["wb_fullstats"]):
        by_campaign.setdefault(row["advert_id"], []).append(row)
    spend = {advert: sum(r["sum"] for r in days) for advert, days in by_campaign.items()}
    orders = {advert: sum(r["orders"] for r in days) for advert, days in by_campaign.items()}
    anomaly = max(spend, key=lambda advert: spend[advert])
    assert orders[anomaly] == 0 and all(orders[a] > 0 for a in orders if a != anomaly)


def test_an_interrupted_pull_resumes_without_fetching_a_stored_chunk_again(
    parts: Shared, store: DatasetStore, sandbox: Sandbox
) -> None:
    reference = campaigns_variable(parts)
    inputs = {"variables": {"wb_campaigns": reference}, "properties": {"wb.period": "last 60 days"}}

    def lose_the_lock() -> None:
        raise Interrupted

    handler = handler_of(parts, "wb.fullstats")
    with pytest.raises(Interrupted):
        handler(context("wb.fullstats", task_id="resume-1", keep_alive=lose_the_lock, **inputs))
    first = sandbox.calls("fullstats")
    assert len(first) == 1  # stopped after chunk 1 was stored
    outcome = handler(context("wb.fullstats", task_id="resume-1", **inputs))  # the task, fetched again
    assert isinstance(outcome, Complete)
    second = sandbox.calls("fullstats")
    assert len(second) == 2 and second[1]["params"] != first[0]["params"]
    assert set(sandbox.state()["fullstats_served"].values()) == {1}
    rows = rows_of(store, outcome.variables["wb_fullstats"])
    assert len(rows) == len(expected_days(*WINDOW))
    again = handler(context("wb.fullstats", task_id="resume-1", **inputs))  # re-delivered after it finished
    assert isinstance(again, Complete) and again.variables == outcome.variables
    assert len(sandbox.calls("fullstats")) == 2  # nothing asked again


def test_a_server_error_is_retryable_and_the_retry_fetches_only_what_is_missing(
    parts: Shared, store: DatasetStore, sandbox: Sandbox
) -> None:
    reference = campaigns_variable(parts)
    inputs = {"variables": {"wb_campaigns": reference}, "properties": {"wb.period": "last 60 days"}}
    handler = handler_of(parts, "wb.fullstats")
    sandbox.fault("server_error", endpoint="fullstats", status=502)
    with pytest.raises(RetryableError):
        handler(context("wb.fullstats", task_id="retry-1", **inputs))
    sandbox.control("POST", "faults", {"kind": "dropped", "endpoint": "fullstats"})
    with pytest.raises(TransportFailure):
        handler(context("wb.fullstats", task_id="retry-1", **inputs))
    outcome = handler(context("wb.fullstats", task_id="retry-1", **inputs))
    assert isinstance(outcome, Complete)
    assert set(sandbox.state()["fullstats_served"].values()) == {1}
    assert outcome.variables["wb_fullstats_rows"] == len(expected_days(*WINDOW))


# -- wb.orders / wb.sales --------------------------------------------------------------------


def expected_feed(rows: tuple[dict[str, Any], ...], begin: date, end: date) -> list[dict[str, Any]]:
    start, until = datetime.combine(begin, time()), datetime.combine(end + timedelta(days=1), time())
    return [row for row in rows if start <= datetime.fromisoformat(row["lastChangeDate"]) < until]


def boundary_cap(rows: tuple[dict[str, Any], ...]) -> int:
    """A page size whose first page ends inside a group of rows sharing one lastChangeDate."""
    for index, (before, after) in enumerate(itertools.pairwise(rows)):
        if index >= 300 and before["lastChangeDate"] == after["lastChangeDate"]:
            return index + 1
    raise AssertionError("the seeded feed has no shared lastChangeDate")


def test_orders_are_paged_by_last_change_date_without_duplicates_at_page_boundaries(
    parts: Shared, store: DatasetStore, sandbox: Sandbox
) -> None:
    source = feed.orders(MAIN.seed, TODAY).rows
    cap = boundary_cap(source)
    sandbox.control("POST", "settings", {"page_cap": cap})
    variables = run(parts, "wb.orders", properties={"wb.period": "last 60 days"})
    rows = rows_of(store, variables["wb_orders"])
    expected = expected_feed(source, *WINDOW)
    assert [row["srid"] for row in rows] == [row["srid"] for row in expected]
    assert variables["wb_orders_rows"] == len(expected)
    calls = sandbox.calls("orders")
    assert calls[0]["params"]["dateFrom"] == WINDOW[0].isoformat()
    assert calls[1]["params"]["dateFrom"] == source[cap - 1]["lastChangeDate"]  # the last row's change
    assert sandbox.state()["rows_served"]["orders"] > len(expected)  # boundary rows came twice
    assert len({call["params"]["dateFrom"] for call in calls}) == len(calls)


def test_paging_stops_at_an_empty_answer(parts: Shared, store: DatasetStore, sandbox: Sandbox) -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()  # the sandbox changes nothing after today
    variables = run(parts, "wb.orders", variables={"date_from": tomorrow})
    assert variables["wb_orders_rows"] == 0 and rows_of(store, variables["wb_orders"]) == []
    (call,) = sandbox.calls("orders")
    assert call["params"]["dateFrom"] == tomorrow and call["rows"] == 0


def test_an_interrupted_sales_pull_resumes_from_the_last_cursor(
    parts: Shared, store: DatasetStore, sandbox: Sandbox
) -> None:
    source = feed.sales(MAIN.seed, TODAY).rows
    sandbox.control("POST", "settings", {"page_cap": 400})
    writer = store.writer(dataset_id_for("wb.sales", "sales-1"), kind="wb.sales")

    def lose_the_lock_after_two_pages() -> None:
        if len(writer.chunk_keys()) == 2:
            raise Interrupted

    inputs = {"properties": {"wb.period": "last 60 days"}}
    handler = handler_of(parts, "wb.sales")
    with pytest.raises(Interrupted):
        handler(context("wb.sales", task_id="sales-1", keep_alive=lose_the_lock_after_two_pages, **inputs))
    assert len(sandbox.calls("sales")) == 2
    outcome = handler(context("wb.sales", task_id="sales-1", **inputs))
    assert isinstance(outcome, Complete)
    rows = rows_of(store, outcome.variables["wb_sales"])
    expected = expected_feed(source, *WINDOW)
    assert [row["saleID"] for row in rows] == [row["saleID"] for row in expected]
    date_froms = [call["params"]["dateFrom"] for call in sandbox.calls("sales")]
    assert len(date_froms) == len(set(date_froms))  # no page was asked for twice


@responses.activate
def test_orders_page_until_an_empty_answer(store: DatasetStore) -> None:
    url = f"{STATISTICS}/api/v1/supplier/orders"
    responses.get(url, json=[order("a", "2026-02-28T10:00:00"), order("b", "2026-02-28T10:30:00")])
    responses.get(url, json=[order("b", "2026-02-28T10:30:00"), order("c", "2026-02-28T11:00:00")])
    responses.get(url, json=[])
    local = shared(load_settings(options()), store)
    variables = run(local, "wb.orders")  # default period: yesterday
    assert [row["srid"] for row in rows_of(store, variables["wb_orders"])] == ["a", "b", "c"]
    assert [call.request.params["dateFrom"] for call in responses.calls] == [
        "2026-02-28",
        "2026-02-28T10:30:00",
        "2026-02-28T11:00:00",
    ]
    assert variables["wb_orders"]["time_from"] == variables["wb_orders"]["time_to"] == "2026-02-28"


def order(srid: str, changed: str) -> dict[str, Any]:
    return {"srid": srid, "lastChangeDate": changed, "date": changed, "nmId": 1}
