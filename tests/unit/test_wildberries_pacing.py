"""Chunking maths (≤ 50 ids, ≤ 31 days), periods, paging by lastChangeDate, and pacing on a fake
clock: waits keep the lock alive, stay within the task's budget, and a 429 wait spends no attempt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
import responses

from core.errors import ConfigError
from systems.wildberries.errors import WildberriesProtocolError, WildberriesTransient
from systems.wildberries.pacing import Pacer, Waiter
from systems.wildberries.paging import Cursor, next_page
from systems.wildberries.periods import Period, moscow_today, relative, to_date
from systems.wildberries.plan import MAX_IDS, fullstats_plan, id_chunks
from systems.wildberries.settings import Pacing, load_settings
from tests.fixtures.wildberries.support import ADVERT, direct_client, options


class FakeClock:
    """Time that moves only when someone sleeps; records the sleeps and keep-alive calls."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.alive_at: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def keep_alive(self) -> None:
        self.alive_at.append(self.now)

    def waiter(self, *, max_wait_s: float = 3600, every_s: float = 5) -> Waiter:
        return Waiter(self.keep_alive, max_wait_s=max_wait_s, keep_alive_every_s=every_s, sleep=self.sleep)


# -- chunking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "sizes"),
    [(1, [1]), (31, [31]), (32, [31, 1]), (60, [31, 29]), (62, [31, 31]), (93, [31, 31, 31])],
)
def test_a_period_splits_into_contiguous_chunks_of_at_most_31_days(days: int, sizes: list[int]) -> None:
    begin = date(2026, 1, 1)
    period = Period(begin, begin + timedelta(days=days - 1))
    parts = period.chunks()
    assert [part.days for part in parts] == sizes
    assert parts[0].begin == period.begin and parts[-1].end == period.end
    for before, after in pairwise(parts):
        assert after.begin == before.end + timedelta(days=1)


def test_ids_are_deduplicated_sorted_and_cut_at_50() -> None:
    ids = [*range(120, 0, -1), 7, 7]
    chunks = id_chunks(ids)
    assert [len(chunk) for chunk in chunks] == [50, 50, 20]
    assert [i for chunk in chunks for i in chunk] == list(range(1, 121))
    assert all(len(chunk) <= MAX_IDS for chunk in chunks)


def test_the_plan_covers_every_id_and_day_once_with_keys_that_depend_only_on_the_chunk() -> None:
    period = Period(date(2026, 1, 1), date(2026, 3, 1))  # 60 days
    ids = list(range(1000, 1120))
    plan = fullstats_plan(ids, period)
    assert len(plan) == 2 * 3
    covered = {(i, part.begin) for chunk in plan for i in chunk.ids for part in [chunk.period]}
    assert len(covered) == len(ids) * 2
    assert len({chunk.key for chunk in plan}) == len(plan)
    again = fullstats_plan(list(reversed(ids)), period)  # another order of the same campaigns
    assert [chunk.key for chunk in again] == [chunk.key for chunk in plan]
    assert plan[0].key.startswith("2026-01-01..2026-01-31 ids ")


def test_relative_periods_end_yesterday_in_moscow() -> None:
    today = date(2026, 3, 1)
    assert relative("yesterday", today) == Period(date(2026, 2, 28), date(2026, 2, 28))
    assert relative("today", today) == Period(today, today)
    assert relative("Last 60 days", today) == Period(date(2025, 12, 31), date(2026, 2, 28))
    assert relative("last 1 day", today).days == 1
    for bad in ("last week", "last 0 days", "2026-01-01"):
        with pytest.raises(ValueError, match="not a period"):
            relative(bad, today)


def test_dates_are_moscow_days() -> None:
    assert to_date("2026-01-05") == date(2026, 1, 5)
    assert to_date(datetime(2026, 1, 1, 22, 30, tzinfo=UTC)) == date(2026, 1, 2)  # 01:30 in Moscow
    assert to_date("2026-01-01T22:30:00Z") == date(2026, 1, 2)
    assert moscow_today(datetime(2026, 1, 1, 21, 0, tzinfo=UTC)) == date(2026, 1, 2)
    with pytest.raises(ValueError):
        to_date("soon")


def test_settings_refuse_an_unknown_default_account_and_a_bad_default_period() -> None:
    with pytest.raises(ConfigError, match="default_account"):
        load_settings(options(default_account="nobody"))
    with pytest.raises(ConfigError, match="default_period"):
        load_settings(options(default_period="last week"))


# -- pacing ----------------------------------------------------------------------------------


def test_fullstats_is_paced_at_three_a_minute_burst_one() -> None:
    clock = FakeClock()
    pacer = Pacer(Pacing(), clock=clock)
    waiter = clock.waiter()
    for _ in range(4):
        pacer.pace("main", "fullstats", waiter)
    assert sum(clock.sleeps) == pytest.approx(60.0)  # 0, 20, 20, 20
    assert waiter.waited_s == pytest.approx(60.0)


def test_the_time_scale_speeds_pacing_up() -> None:
    clock = FakeClock()
    pacer = Pacer(Pacing(time_scale=60), clock=clock)
    waiter = clock.waiter()
    for _ in range(4):
        pacer.pace("main", "fullstats", waiter)
    assert sum(clock.sleeps) == pytest.approx(1.0)  # 3 a second
    assert pacer.interval_s("orders") == pytest.approx(1.0)


def test_accounts_and_groups_have_buckets_of_their_own() -> None:
    clock = FakeClock()
    pacer = Pacer(Pacing(), clock=clock)
    waiter = clock.waiter()
    pacer.pace("main", "orders", waiter)
    pacer.pace("second", "orders", waiter)
    pacer.pace("main", "sales", waiter)
    for _ in range(5):
        pacer.pace("main", "campaigns", waiter)  # burst 5
    assert clock.sleeps == []
    pacer.pace("main", "orders", waiter)
    assert clock.sleeps and sum(clock.sleeps) == pytest.approx(60.0)


def test_waiting_keeps_the_lock_alive_every_few_seconds() -> None:
    clock = FakeClock()
    waiter = clock.waiter(every_s=5)
    waiter.wait(20, "test")
    assert sum(clock.sleeps) == pytest.approx(20) and max(clock.sleeps) <= 5
    gaps = [b - a for a, b in pairwise(clock.alive_at)]
    assert len(clock.alive_at) >= 4 and max(gaps) <= 5


def test_waits_past_the_task_budget_raise_a_retryable_error_and_sleep_nothing_more() -> None:
    clock = FakeClock()
    waiter = clock.waiter(max_wait_s=30)
    waiter.wait(20, "first")
    with pytest.raises(WildberriesTransient, match=r"pacing\.max_wait_s") as raised:
        waiter.wait(20, "second")
    assert raised.value.retry_after == 20
    assert sum(clock.sleeps) == pytest.approx(20)


def test_a_refusal_fills_the_bucket_so_the_next_call_waits() -> None:
    clock = FakeClock()
    pacer = Pacer(Pacing(), clock=clock)
    waiter = clock.waiter()
    pacer.refused("main", "campaigns")
    pacer.pace("main", "campaigns", waiter)
    assert sum(clock.sleeps) == pytest.approx(0.2)  # 5 a second: one slot


@responses.activate
def test_a_429_wait_is_spent_inside_the_call_alive_not_as_an_attempt() -> None:
    settings = load_settings(options(pacing={"keep_alive_every_s": 5}))
    clock = FakeClock()
    client = direct_client(settings, Pacer(settings.pacing, clock=clock))
    url = f"{ADVERT}/adv/v3/fullstats"
    responses.get(url, status=429, headers={"X-Ratelimit-Retry": "12"})
    responses.get(url, status=429, headers={"X-Ratelimit-Retry": "12"})
    responses.get(url, json=[])
    waiter = clock.waiter()
    assert client.fullstats([1], date(2026, 1, 1), date(2026, 1, 1), waiter) == []  # no RetryableError
    assert len(responses.calls) == 3
    assert waiter.waited_s == pytest.approx(24)  # what WB asked for, no pacing on top
    assert len(clock.alive_at) >= 6  # 12 s in slices of 5 s, twice


# -- paging by lastChangeDate ----------------------------------------------------------------


def order(srid: str, changed: str) -> dict[str, str]:
    return {"srid": srid, "lastChangeDate": changed}


def test_boundary_rows_that_come_again_are_dropped_and_remembered_in_the_cursor() -> None:
    known: set[str] = set()
    first = next_page(
        [
            order("a", "2026-01-01T10:00:00"),
            order("b", "2026-01-01T10:30:00"),
            order("c", "2026-01-01T10:30:00"),
        ],
        Cursor("2026-01-01"),
        "srid",
        None,
        "orders",
        known,
    )
    assert [row["srid"] for row in first.fresh] == ["a", "b", "c"] and not first.finished
    assert first.next == Cursor("2026-01-01T10:30:00", ("b", "c"))
    second = next_page(
        [
            order("b", "2026-01-01T10:30:00"),
            order("c", "2026-01-01T10:30:00"),
            order("d", "2026-01-01T10:30:00"),
        ],
        first.next,
        "srid",
        None,
        "orders",
        known,
    )
    assert [row["srid"] for row in second.fresh] == ["d"] and second.dropped == 2
    assert second.next == Cursor("2026-01-01T10:30:00", ("b", "c", "d"))  # same time: the group grows
    last = next_page(
        [
            order("b", "2026-01-01T10:30:00"),
            order("c", "2026-01-01T10:30:00"),
            order("d", "2026-01-01T10:30:00"),
        ],
        second.next,
        "srid",
        None,
        "orders",
        known,
    )
    assert last.fresh == [] and last.finished  # only the boundary again: done


def test_an_empty_answer_ends_the_pull_and_a_row_past_the_period_ends_it_too() -> None:
    assert next_page([], Cursor("x"), "srid", None, "orders", set()).finished
    until = datetime(2026, 1, 2)
    page = next_page(
        [
            order("a", "2026-01-01T23:30:00"),
            order("b", "2026-01-02T00:00:00"),
            order("c", "2026-01-02T00:30:00"),
        ],
        Cursor("2026-01-01"),
        "srid",
        until,
        "orders",
        set(),
    )
    assert [row["srid"] for row in page.fresh] == ["a"] and page.finished


def test_a_page_of_rows_changed_again_moves_on_without_storing_them_twice() -> None:
    known = {"a", "b"}
    page = next_page(
        [order("a", "2026-01-03T10:00:00"), order("b", "2026-01-03T11:00:00")],
        Cursor("2026-01-03T09:00:00"),
        "srid",
        None,
        "orders",
        known,
    )
    assert page.fresh == [] and not page.finished and page.next.date_from == "2026-01-03T11:00:00"


def test_the_cursor_survives_storage_and_a_missing_one_starts_at_the_period() -> None:
    cursor = Cursor("2026-01-01T10:30:00", ("b", "c"))
    assert Cursor.decode(cursor.encode(), "2026-01-01") == cursor
    assert Cursor.decode(None, "2026-01-01") == Cursor("2026-01-01")


def test_rows_without_an_id_or_a_readable_change_time_are_protocol_errors() -> None:
    with pytest.raises(WildberriesProtocolError, match="no srid"):
        next_page([{"lastChangeDate": "2026-01-01T00:00:00"}], Cursor("x"), "srid", None, "orders", set())
    with pytest.raises(WildberriesProtocolError, match="lastChangeDate"):
        next_page(
            [{"srid": "a", "lastChangeDate": "soon"}],
            Cursor("x"),
            "srid",
            datetime(2026, 1, 2),
            "orders",
            set(),
        )
