"""The StormBPMN rate limiter on a fake clock: never more than N per window, Retry-After honoured."""

from __future__ import annotations

import pytest

from camunda_sync.storm.limiter import LimiterState, LimiterStore, RateLimiter, persistent_limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(clock: FakeClock, limit: int = 5, window: float = 60.0, **kwargs) -> RateLimiter:
    return RateLimiter(limit, window, clock=clock, sleep=clock.sleep, **kwargs)


def run_requests(lim: RateLimiter, clock: FakeClock, count: int, duration: float = 0.2) -> list[float]:
    """Send ``count`` requests; returns their start times."""
    starts = []
    for _ in range(count):
        with lim.slot():
            starts.append(clock.now)
            clock.now += duration
    return starts


def max_in_any_window(starts: list[float], window: float) -> int:
    return max(sum(1 for t in starts if s <= t < s + window) for s in starts)


def test_first_five_go_at_once_the_sixth_waits_a_window():
    clock = FakeClock()
    starts = run_requests(limiter(clock), clock, 6)
    assert starts[:5] == pytest.approx([1000.0, 1000.2, 1000.4, 1000.6, 1000.8])
    # counted from the end of the first request (1000.2) plus the safety margin
    assert starts[5] == pytest.approx(1060.25)


@pytest.mark.parametrize(("limit", "window", "duration"), [(5, 60.0, 0.2), (5, 2.0, 0.01), (3, 10.0, 4.0)])
def test_never_more_than_limit_in_any_window(limit, window, duration):
    clock = FakeClock()
    starts = run_requests(limiter(clock, limit, window), clock, 23, duration)
    assert max_in_any_window(starts, window) <= limit


def test_block_for_delays_everything_until_then():
    clock = FakeClock()
    lim = limiter(clock)
    lim.block_for(30)
    starts = run_requests(lim, clock, 1)
    assert starts == [pytest.approx(1030.0)]


def test_history_from_an_earlier_run_counts():
    clock = FakeClock()
    earlier = LimiterState(request_ends=[990.0, 991.0, 992.0, 993.0, 994.0])
    starts = run_requests(limiter(clock, state=earlier), clock, 1)
    assert starts == [pytest.approx(1050.05)]


def test_old_history_is_forgotten():
    clock = FakeClock()
    earlier = LimiterState(request_ends=[100.0, 200.0])
    assert run_requests(limiter(clock, state=earlier), clock, 1) == [1000.0]


def test_store_round_trip_and_unreadable_file(tmp_path):
    store = LimiterStore(tmp_path / "limiter.json")
    assert store.load() == LimiterState()
    store.save(LimiterState([1.0, 2.0], 5.0))
    assert store.load() == LimiterState([1.0, 2.0], 5.0)
    (tmp_path / "limiter.json").write_text("{broken")
    assert store.load() == LimiterState()


def test_persistent_limiter_shares_the_budget_between_runs(tmp_path):
    clock = FakeClock()
    path = tmp_path / "budget.json"
    first = persistent_limiter(path, 2, 60.0, clock=clock, sleep=clock.sleep)
    run_requests(first, clock, 2)
    second = persistent_limiter(path, 2, 60.0, clock=clock, sleep=clock.sleep)
    starts = run_requests(second, clock, 1)
    assert starts[0] >= 1060.0


def test_invalid_limits_are_refused():
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
