"""Ozon pieces without HTTP: the 429 waiting arithmetic, periods and windows, cursors, rows."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import PermanentError
from systems.ozon.dataset import chunk_key
from systems.ozon.errors import OzonRateLimited
from systems.ozon.patience import Patience
from systems.ozon.period import Period, requested_period
from systems.ozon.postings import Position
from systems.ozon.rows import posting_row, product_row
from systems.ozon.settings import Waiting
from tests.fixtures.ozon.support import context

MOSCOW = ZoneInfo("Europe/Moscow")


class Clock:
    """A fake sleep that records what it was asked and how often keep_alive ran between."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.alive = 0

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def keep_alive(self) -> None:
        self.alive += 1


def refusing(times: int, hint: float | None = None) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def fetch() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise OzonRateLimited("429", status=429, code=8, retry_after=hint)
        return "page"

    return calls, fetch


def test_429s_are_asked_again_after_doubling_waits_with_keep_alive_between_slices() -> None:
    clock = Clock()
    waiting = Waiting(max_wait_s=100, base_delay_s=1, max_delay_s=8, keep_alive_every_s=2)
    patience = Patience(waiting, clock.keep_alive, sleep=clock.sleep, rng=random.Random(1))
    calls, fetch = refusing(4)
    assert patience.call(fetch, "list") == "page"
    assert len(calls) == 5 and patience.refusals == 4
    assert max(clock.slept) <= 2  # slept in slices no longer than keep_alive_every_s
    waits = [patience.delay(n, None) for n in (1, 2, 3, 4, 5)]
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2 and 4 <= waits[4] <= 8  # doubling, capped at 8
    assert clock.alive >= len(clock.slept) + len(calls)
    assert patience.waited_s == pytest.approx(sum(clock.slept))


def test_a_longer_retry_after_wins_up_to_the_cap() -> None:
    patience = Patience(Waiting(base_delay_s=1, max_delay_s=10), lambda: None, sleep=lambda _: None)
    assert patience.delay(1, 7) == 7
    assert patience.delay(1, 60) == 10


def test_the_budget_is_shared_by_a_runs_calls_and_ends_in_a_retryable_error() -> None:
    clock = Clock()
    waiting = Waiting(max_wait_s=3, base_delay_s=1, max_delay_s=1, keep_alive_every_s=5)
    patience = Patience(waiting, clock.keep_alive, sleep=clock.sleep, rng=random.Random(2))
    _, first = refusing(2)
    patience.call(first, "list")
    _, second = refusing(10)
    with pytest.raises(OzonRateLimited, match=r"waited .* of 3 s on 429s") as caught:
        patience.call(second, "list")
    assert sum(clock.slept) <= 3 and caught.value.retry_after is not None and caught.value.spends_attempt


def test_a_period_is_cut_into_windows_that_meet_without_a_gap() -> None:
    windows = Period(date(2026, 1, 1), date(2026, 1, 10)).windows(4, MOSCOW)
    assert windows == [
        (datetime(2025, 12, 31, 21, tzinfo=UTC), datetime(2026, 1, 4, 20, 59, 59, tzinfo=UTC)),
        (datetime(2026, 1, 4, 21, tzinfo=UTC), datetime(2026, 1, 8, 20, 59, 59, tzinfo=UTC)),
        (datetime(2026, 1, 8, 21, tzinfo=UTC), datetime(2026, 1, 10, 20, 59, 59, tzinfo=UTC)),
    ]
    berlin = Period(date(2026, 3, 29), date(2026, 3, 29)).windows(1, ZoneInfo("Europe/Berlin"))
    assert berlin == [(datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC))]


def test_the_period_comes_from_variables_then_properties_then_yesterday() -> None:
    today = date(2026, 3, 1)
    assert requested_period(context(), today, MOSCOW) == Period(date(2026, 2, 28), date(2026, 2, 28))
    from_variables = context(variables={"date_from": "2026-02-01", "date_to": "2026-02-10"})
    assert requested_period(from_variables, today, MOSCOW) == Period(date(2026, 2, 1), date(2026, 2, 10))
    from_properties = context(properties={"ozon.date_from": "2026-02-03"})
    assert requested_period(from_properties, today, MOSCOW) == Period(date(2026, 2, 3), date(2026, 2, 28))
    late_utc = datetime(2026, 2, 4, 22, 30, tzinfo=UTC)  # already 5 February in Moscow
    as_date = context(variables={"date_from": late_utc, "date_to": late_utc})
    assert requested_period(as_date, today, MOSCOW) == Period(date(2026, 2, 5), date(2026, 2, 5))
    with pytest.raises(PermanentError, match="variable 'date_to' must be a date"):
        requested_period(context(variables={"date_to": "next week"}), today, MOSCOW)


def test_a_position_survives_its_text_form() -> None:
    period = Period(date(2026, 2, 1), date(2026, 2, 28))
    for position in (Position(period), Position(period, 2, 3000), Position(period, done=True)):
        assert Position.parse(position.text()) == position
    assert Position(period, 1, 20).text() == "2026-02-01/2026-02-28/1/20"


def test_chunk_keys_stay_short_enough_for_the_store() -> None:
    assert chunk_key("page", "") == "page:"
    long = chunk_key("page", "W" * 500)
    assert len(long) < 200 and long == chunk_key("page", "W" * 500) != chunk_key("page", "W" * 499)


def test_a_posting_row_tolerates_missing_parts_and_a_product_row_drops_quants() -> None:
    row = posting_row({"posting_number": "1-2-3", "products": [{"price": "bad", "quantity": "x"}, "junk"]})
    assert (row["products_count"], row["quantity"], row["amount"], row["currency_code"]) == (1, 0, 0.0, None)
    assert row["status"] is None and row["cancel_reason"] is None
    two_lines = posting_row(
        {
            "products": [
                {"sku": 1, "offer_id": "A", "price": "100.5000", "quantity": 2, "currency_code": "RUB"},
                {"sku": 2, "offer_id": "B", "price": "0.3333", "quantity": 3, "currency_code": "RUB"},
            ],
            "cancellation": {"cancel_reason": "Покупатель отменил заказ"},
        }
    )
    assert two_lines["amount"] == 202.0 and two_lines["skus"] == "1,2" and two_lines["quantity"] == 5
    assert two_lines["cancel_reason"] == "Покупатель отменил заказ"
    assert product_row({"product_id": 5, "quants": [1], "archived": True}) == {
        "product_id": 5,
        "offer_id": None,
        "sku": None,
        "archived": True,
        "has_fbo_stocks": None,
        "has_fbs_stocks": None,
        "is_discounted": None,
    }
