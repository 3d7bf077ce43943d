"""The benchmark's arithmetic: percentiles, the steady-state window, rates, bins (no services)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tools.bench import metrics


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy_linear_interpolation(q: float) -> None:
    values = [random.Random(7).uniform(0, 1000) for _ in range(101)] + [3.0, 3.0, 2500.0]

    assert metrics.percentile(values, q) == pytest.approx(float(np.percentile(values, q, method="linear")))


def test_percentile_interpolates_between_neighbours() -> None:
    # ranks 0..3 over [10, 20, 30, 40]: p50 sits halfway between 20 and 30
    assert metrics.percentile([40, 10, 30, 20], 50) == 25
    assert metrics.percentile([40, 10, 30, 20], 100) == 40
    assert metrics.percentile([5], 99) == 5


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_outside_0_100_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        metrics.percentile([1, 2], q)


def test_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        metrics.percentile([], 50)


def test_summary_reports_count_mean_and_max() -> None:
    found = metrics.summarize([1.0, 2.0, 3.0, 10.0])

    assert found is not None
    assert (found.count, found.mean, found.max, found.p50) == (4, 4.0, 10.0, 2.5)
    assert metrics.summarize([]) is None


def test_an_even_stream_gives_its_own_rate_in_the_steady_window() -> None:
    # 1,000 completions at exactly 50 per second
    ends = [1_000.0 + i / 50 for i in range(1_000)]

    window = metrics.steady_window(ends)

    assert window is not None
    assert window.rate == pytest.approx(50.0)


def test_the_steady_window_leaves_out_ramp_up_and_tail() -> None:
    # a slow start (10/s for 10 s), a fast middle (100/s for 20 s), a slow tail (10/s for 10 s)
    start = [i / 10 for i in range(100)]
    middle = [10 + i / 100 for i in range(2_000)]
    tail = [30 + i / 10 for i in range(100)]

    window = metrics.steady_window(start + middle + tail, trim=0.1)

    assert window is not None
    assert window.rate == pytest.approx(100.0, rel=0.01)
    assert 10 <= window.start < window.end <= 30


def test_the_whole_run_averages_lower_than_its_steady_window() -> None:
    ends = (
        [i / 10 for i in range(100)]
        + [10 + i / 100 for i in range(2_000)]
        + [30 + i / 10 for i in range(100)]
    )

    window = metrics.steady_window(ends)
    overall = (len(ends) - 1) / (max(ends) - min(ends))

    assert window is not None
    assert overall < window.rate


def test_steady_window_needs_two_completions_and_a_sane_trim() -> None:
    assert metrics.steady_window([5.0]) is None
    assert metrics.steady_window([]) is None
    with pytest.raises(ValueError):
        metrics.steady_window([1.0, 2.0], trim=0.5)


def test_steady_window_ignores_the_order_completions_arrive_in() -> None:
    ends = [float(i) for i in range(100)]
    shuffled = ends[:]
    random.Random(1).shuffle(shuffled)

    assert metrics.steady_window(shuffled) == metrics.steady_window(ends)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(300.0, 500.0, 0.6), (200.0, 100.0, 2.0), (None, 100.0, None), (100.0, None, None), (100.0, 0.0, None)],
)
def test_ratio(numerator: float | None, denominator: float | None, expected: float | None) -> None:
    assert metrics.ratio(numerator, denominator) == (pytest.approx(expected) if expected else expected)


def test_per_second_counts_each_event_in_its_bin_and_drops_outsiders() -> None:
    times = [100.0, 100.2, 100.999, 101.0, 102.5, 99.9, 104.0]

    assert metrics.per_second(times, origin=100.0, seconds=4) == [3, 1, 1, 0]


def test_binned_percentile_is_none_for_empty_seconds() -> None:
    pairs = [(0.1, 10.0), (0.2, 30.0), (2.5, 7.0)]

    assert metrics.binned_percentile(pairs, origin=0.0, seconds=3, q=50) == [20.0, None, 7.0]


def test_value_at_interpolates_a_cumulative_counter_and_clamps_outside() -> None:
    cpu = [(10.0, 1.0), (11.0, 2.0), (13.0, 2.0), (14.0, 6.0)]

    assert metrics.value_at(cpu, 10.5) == pytest.approx(1.5)
    assert metrics.value_at(cpu, 13.5) == pytest.approx(4.0)
    assert metrics.value_at(cpu, 5.0) == 1.0
    assert metrics.value_at(cpu, 20.0) == 6.0


def test_per_thousand() -> None:
    assert metrics.per_thousand(3.0, 1_500) == pytest.approx(2.0)
    assert metrics.per_thousand(3.0, 0) is None


def test_longest_gap_finds_a_stalled_long_poll() -> None:
    ends = [0.0, 0.1, 0.2, 30.2, 30.3]

    assert metrics.longest_gap(ends) == pytest.approx(30.0)
    assert metrics.longest_gap([1.0]) == 0.0
