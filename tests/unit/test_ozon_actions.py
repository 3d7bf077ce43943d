"""The products and postings pulls against the real sandbox in a thread and a temporary SQLite store."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.actions.outcomes import Complete
from core.datasets import DatasetRef, DatasetStore, dataset_id_for, open_store
from core.errors import PermanentError, RetryableError, TransportFailure
from systems.ozon.errors import OzonAuthError, OzonRateLimited
from systems.ozon.postings import PostingsPull
from systems.ozon.products import ProductsPull
from tests.fixtures.ozon.support import (
    ANCHOR,
    API_KEY,
    CLIENT_ID,
    ENVIRON,
    OTHER_CLIENT_ID,
    Sandbox,
    accounts,
    context,
    running_sandbox,
    settings,
)
from tools.sandbox.ozon.catalogue import postings as sandbox_postings

PRODUCTS = "/v3/product/list"
POSTINGS = "/v3/posting/fbs/list"
# Moscow days 2026-02-20..26 as the sandbox filters them (since <= t <= to, UTC).
PERIOD = {"date_from": "2026-02-20", "date_to": "2026-02-26"}
SINCE, TO = "2026-02-19T21:00:00Z", "2026-02-26T20:59:59Z"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DatasetStore]:
    opened = open_store(f"sqlite:///{tmp_path}/d.sqlite3")
    yield opened
    opened.close()


class Sleeps:
    """Collects the waits of an action instead of sleeping them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def products_pull(sandbox: Sandbox, store: DatasetStore, sleep: Any = None, **options: Any) -> ProductsPull:
    chosen = settings(sandbox.base, **options)
    return ProductsPull(accounts(chosen), chosen, store=lambda: store, sleep=sleep or Sleeps())


def postings_pull(sandbox: Sandbox, store: DatasetStore, sleep: Any = None, **options: Any) -> PostingsPull:
    chosen = settings(sandbox.base, **options)
    today = lambda zone: ANCHOR  # noqa: E731 - the sandbox's "today"
    return PostingsPull(accounts(chosen), chosen, store=lambda: store, sleep=sleep or Sleeps(), today=today)


def reference(outcome: object, name: str) -> DatasetRef:
    assert isinstance(outcome, Complete)
    ref = DatasetRef.from_variable(outcome.variables[name], name=name)
    assert outcome.variables[f"{name}_rows"] == ref.rows
    return ref


def ok_requests(sandbox: Sandbox, path: str) -> list[dict[str, Any]]:
    return [entry for entry in sandbox.log(path) if entry["status"] == 200]


def test_products_are_paged_to_the_sandboxs_count_into_one_dataset(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    outcome = products_pull(sandbox, store, products={"page_size": 70})(context(topic="ozon.products"))
    ref = reference(outcome, "ozon_products")
    rows = list(store.rows(ref))
    assert ref.kind == "ozon.products" and ref.rows == sandbox.expected()["products"] == len(rows)
    assert len({row["product_id"] for row in rows}) == len(rows)
    assert sum(row["archived"] for row in rows) == sandbox.expected()["archived"] > 0
    assert "quants" not in rows[0] and {"offer_id", "sku"} <= set(rows[0])
    asked = [entry["last_id"] for entry in ok_requests(sandbox, PRODUCTS)]
    assert len(asked) == -(-ref.rows // 70) and asked[0] == "" and len(set(asked)) == len(asked)


def test_a_finished_pull_delivered_again_returns_its_reference_without_asking_ozon(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    pull = products_pull(sandbox, store, products={"page_size": 100})
    first = reference(pull(context(topic="ozon.products")), "ozon_products")
    before = len(sandbox.log())
    again = reference(pull(context(topic="ozon.products")), "ozon_products")
    assert again == first and len(sandbox.log()) == before


def test_postings_of_a_period_are_exactly_the_sandboxs_in_windows_and_pages(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    pull = postings_pull(sandbox, store, postings={"page_size": 25, "window_days": 3})
    ref = reference(pull(context(variables=PERIOD)), "ozon_postings")
    rows = list(store.rows(ref))
    expected = sandbox.expected(since=SINCE, to=TO)
    assert [row["posting_number"] for row in rows] == expected["posting_numbers"]
    assert ref.rows == expected["postings"] and (ref.time_from, ref.time_to) == ("2026-02-20", "2026-02-26")
    windows = sorted({(e["since"], e["to"]) for e in ok_requests(sandbox, POSTINGS)})
    assert windows == [
        ("2026-02-19T21:00:00Z", "2026-02-22T20:59:59Z"),
        ("2026-02-22T21:00:00Z", "2026-02-25T20:59:59Z"),
        ("2026-02-25T21:00:00Z", "2026-02-26T20:59:59Z"),
    ]


def test_a_posting_row_adds_up_its_product_lines(sandbox: Sandbox, store: DatasetStore) -> None:
    ref = reference(postings_pull(sandbox, store)(context(variables=PERIOD)), "ozon_postings")
    held = {p.posting_number: p for p in sandbox_postings(CLIENT_ID, 300, 60, ANCHOR)}
    for row in store.rows(ref):
        posting = held[row["posting_number"]]
        assert row["status"] == posting.status
        assert row["quantity"] == sum(quantity for _, quantity in posting.lines)
        assert Decimal(str(row["amount"])) == sum(Decimal(p.price) * q for p, q in posting.lines)
        assert row["offer_ids"] == ",".join(p.offer_id for p, _ in posting.lines)
        assert row["products_count"] == len(posting.lines) and row["currency_code"] == "RUB"


def test_without_dates_a_pull_covers_yesterday_in_moscow(sandbox: Sandbox, store: DatasetStore) -> None:
    ref = reference(postings_pull(sandbox, store)(context()), "ozon_postings")
    assert (ref.time_from, ref.time_to) == ("2026-02-28", "2026-02-28")
    (asked,) = ok_requests(sandbox, POSTINGS)
    assert (asked["since"], asked["to"]) == ("2026-02-27T21:00:00Z", "2026-02-28T20:59:59Z")
    assert ref.rows == sandbox.expected(since=asked["since"], to=asked["to"])["postings"] > 0


def test_a_status_property_filters_the_postings(sandbox: Sandbox, store: DatasetStore) -> None:
    task = context(variables=PERIOD, properties={"ozon.status": "cancelled", "ozon.result_variable": "gone"})
    ref = reference(postings_pull(sandbox, store)(task), "gone")
    assert {row["status"] for row in store.rows(ref)} == {"cancelled"}
    assert ref.rows == sandbox.expected(since=SINCE, to=TO, status="cancelled")["postings"]


def test_the_second_account_is_asked_with_its_own_client_id(sandbox: Sandbox, store: DatasetStore) -> None:
    task = context(topic="ozon.products", properties={"ozon.account": "second"})
    ref = reference(products_pull(sandbox, store)(task), "ozon_products")
    assert sandbox.state()["counters"]["per_client"] == {OTHER_CLIENT_ID: 1}
    mine = {p["product_id"] for p in sandbox.post(PRODUCTS, {"limit": 1000}).json()["result"]["items"]}
    assert mine.isdisjoint(row["product_id"] for row in store.rows(ref))


def test_injected_429s_are_waited_out_inside_the_action_and_every_row_is_stored_once(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    sandbox.fault("rate_limit", count=4, endpoint="posting_list")
    sleeps, alive = Sleeps(), []
    pull = postings_pull(sandbox, store, sleeps, postings={"page_size": 30})
    ref = reference(pull(context(variables=PERIOD, keep_alive=lambda: alive.append(1))), "ozon_postings")
    numbers = [row["posting_number"] for row in store.rows(ref)]
    assert numbers == sandbox.expected(since=SINCE, to=TO)["posting_numbers"]
    assert len(set(numbers)) == len(numbers)
    statuses = Counter(entry["status"] for entry in sandbox.log(POSTINGS))
    assert statuses[429] == 4 and sleeps.seconds and len(alive) > len(sandbox.log(POSTINGS))


def test_the_sandboxs_own_rate_limit_is_waited_out_too(store: DatasetStore) -> None:
    with running_sandbox(rate=4) as sandbox:
        # real waits: the sandbox's bucket refills in real time
        pull = products_pull(sandbox, store, time.sleep, products={"page_size": 25})
        ref = reference(pull(context(topic="ozon.products")), "ozon_products")
        assert ref.rows == 300
        statuses = Counter(entry["status"] for entry in sandbox.log(PRODUCTS))
        assert statuses[200] == 12 and statuses[429] >= 1


def test_429s_beyond_the_budget_go_up_retryable_and_the_redelivery_resumes(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    pull = postings_pull(sandbox, store, postings={"page_size": 20}, waiting={"max_wait_s": 0.1})
    sandbox.fault("rate_limit", count=None, endpoint="posting_list")
    with pytest.raises(OzonRateLimited) as caught:
        pull(context(variables=PERIOD))
    assert isinstance(caught.value, RetryableError) and "waited" in str(caught.value)
    sandbox.control("DELETE", "faults")
    ref = reference(pull(context(variables=PERIOD)), "ozon_postings")
    assert ref.rows == sandbox.expected(since=SINCE, to=TO)["postings"]


def test_an_interrupted_pull_resumes_without_asking_for_a_stored_page_again(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    calls = Counter[str]()

    def cut_the_fifth_call() -> None:  # keep_alive runs before each request
        calls["alive"] += 1
        if calls["alive"] == 5:
            sandbox.fault("drop", endpoint="posting_list")

    pull = postings_pull(sandbox, store, postings={"page_size": 20, "window_days": 2})
    with pytest.raises(TransportFailure):
        pull(context(variables=PERIOD, keep_alive=cut_the_fifth_call))
    stored_before = [(e["since"], e["offset"]) for e in ok_requests(sandbox, POSTINGS)]
    assert len(stored_before) == 4
    ref = reference(pull(context(variables=PERIOD)), "ozon_postings")
    asked = [(e["since"], e["offset"]) for e in ok_requests(sandbox, POSTINGS)]
    assert len(asked) == len(set(asked))  # no page was asked for twice
    assert asked[:4] == stored_before
    numbers = [row["posting_number"] for row in store.rows(ref)]
    assert numbers == sandbox.expected(since=SINCE, to=TO)["posting_numbers"]


def test_a_products_pull_cut_off_resumes_from_its_last_id(sandbox: Sandbox, store: DatasetStore) -> None:
    calls = Counter[str]()

    def cut_the_third_call() -> None:
        calls["alive"] += 1
        if calls["alive"] == 3:
            sandbox.fault("server_error", endpoint="product_list")

    pull = products_pull(sandbox, store, products={"page_size": 50})
    with pytest.raises(RetryableError):
        pull(context(topic="ozon.products", keep_alive=cut_the_third_call))
    dataset_id = dataset_id_for("ozon.products", "ext-1")
    assert store.finished(dataset_id) is None
    ref = reference(pull(context(topic="ozon.products")), "ozon_products")
    assert ref.id == dataset_id and ref.rows == 300 == len({row["product_id"] for row in store.rows(ref)})
    asked = [entry["last_id"] for entry in ok_requests(sandbox, PRODUCTS)]
    assert len(asked) == 6 and len(set(asked)) == 6  # two pages before the cut, four after, none twice
    assert [entry["status"] for entry in sandbox.log(PRODUCTS)][2] == 500


def test_a_resumed_postings_pull_keeps_the_period_it_started(sandbox: Sandbox, store: DatasetStore) -> None:
    chosen = settings(sandbox.base, postings={"page_size": 10})
    days = iter([date(2026, 2, 27), date(2026, 3, 1)])  # the redelivery comes two days later
    pull = PostingsPull(
        accounts(chosen), chosen, store=lambda: store, sleep=Sleeps(), today=lambda _: next(days)
    )
    calls = Counter[str]()

    def cut_the_third_call() -> None:
        calls["alive"] += 1
        if calls["alive"] == 3:
            sandbox.fault("server_error", endpoint="posting_list")

    with pytest.raises(RetryableError):
        pull(context(keep_alive=cut_the_third_call))
    sandbox.control("DELETE", "faults")
    ref = reference(pull(context()), "ozon_postings")
    assert (ref.time_from, ref.time_to) == ("2026-02-26", "2026-02-26")
    periods = {(e["since"], e["to"]) for e in ok_requests(sandbox, POSTINGS)}
    assert periods == {("2026-02-25T21:00:00Z", "2026-02-26T20:59:59Z")}
    assert ref.rows == sandbox.expected(since="2026-02-25T21:00:00Z", to="2026-02-26T20:59:59Z")["postings"]


def test_a_wrong_key_is_permanent_and_names_the_variable_not_the_key(
    sandbox: Sandbox, store: DatasetStore
) -> None:
    chosen = settings(sandbox.base)
    wrong = accounts(chosen, {**ENVIRON, "OZON_API_KEY": "not-the-key-123"})
    with pytest.raises(OzonAuthError, match="OZON_API_KEY") as caught:
        ProductsPull(wrong, chosen, store=lambda: store)(context(topic="ozon.products"))
    assert "not-the-key-123" not in str(caught.value) and API_KEY not in str(caught.value)


def test_a_period_backwards_fails_before_any_request(sandbox: Sandbox, store: DatasetStore) -> None:
    backwards = {"date_from": "2026-02-10", "date_to": "2026-02-01"}
    with pytest.raises(PermanentError, match="date_from 2026-02-10 is after date_to 2026-02-01"):
        postings_pull(sandbox, store)(context(variables=backwards))
    with pytest.raises(PermanentError, match=r"property 'ozon\.date_to' must be a date"):
        postings_pull(sandbox, store)(context(properties={"ozon.date_to": "soon"}, task_id="ext-2"))
    assert sandbox.log() == []
