"""The arithmetic of the benchmark: percentiles, the steady-state window, rates, ratios, bins.

Pure functions on plain numbers (times are epoch seconds), so they are unit-tested without
an engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise

#: Share of completions left out at each end of a run: ramp-up (processes starting, first
#: fetches) and tail (the last instances' late steps trickling in).
TRIM = 0.1


@dataclass(frozen=True)
class Percentiles:
    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between order statistics.

    The same definition as ``numpy.percentile(..., method="linear")``.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> Percentiles | None:
    if not values:
        return None
    return Percentiles(
        count=len(values),
        p50=percentile(values, 50),
        p95=percentile(values, 95),
        p99=percentile(values, 99),
        mean=sum(values) / len(values),
        max=max(values),
    )


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    completions: int

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def rate(self) -> float:
        """Completions per second inside the window (0 for a degenerate window)."""
        return self.completions / self.seconds if self.seconds > 0 else 0.0


def steady_window(ends: Sequence[float], trim: float = TRIM) -> Window | None:
    """The middle of a run: from the completion at quantile ``trim`` to the one at ``1 - trim``.

    ``completions`` counts the intervals between those two completions (n - 1 for n events),
    so a perfectly even stream of r per second gives exactly r.
    """
    if not 0 <= trim < 0.5:
        raise ValueError("trim must be in [0, 0.5)")
    if len(ends) < 2:
        return None
    ordered = sorted(ends)
    first = round(trim * (len(ordered) - 1))
    last = round((1 - trim) * (len(ordered) - 1))
    if last <= first:
        return None
    return Window(ordered[first], ordered[last], last - first)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def per_second(times: Sequence[float], origin: float, seconds: int) -> list[int]:
    """How many of ``times`` fall in each one-second bin [origin + i, origin + i + 1)."""
    counts = [0] * max(seconds, 0)
    for t in times:
        index = math.floor(t - origin)
        if 0 <= index < len(counts):
            counts[index] += 1
    return counts


def binned_percentile(
    pairs: Sequence[tuple[float, float]], origin: float, seconds: int, q: float
) -> list[float | None]:
    """Per one-second bin of the first element, the q-th percentile of the second (None: empty bin)."""
    bins: list[list[float]] = [[] for _ in range(max(seconds, 0))]
    for t, value in pairs:
        index = math.floor(t - origin)
        if 0 <= index < len(bins):
            bins[index].append(value)
    return [percentile(values, q) if values else None for values in bins]


def value_at(series: Sequence[tuple[float, float]], t: float) -> float:
    """A cumulative counter sampled as (time, value), linearly interpolated at ``t`` (clamped)."""
    if not series:
        raise ValueError("no samples")
    if t <= series[0][0]:
        return series[0][1]
    for (t0, v0), (t1, v1) in pairwise(series):
        if t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return series[-1][1]


def per_thousand(amount: float, tasks: int) -> float | None:
    """``amount`` (CPU seconds) per 1,000 tasks."""
    return amount * 1000 / tasks if tasks > 0 else None


def longest_gap(times: Sequence[float]) -> float:
    """The longest pause between consecutive events: a stalled long poll shows up here."""
    ordered = sorted(times)
    return max((b - a for a, b in pairwise(ordered)), default=0.0)
