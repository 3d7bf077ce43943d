"""From the raw observations of one scenario (history, picks, samples) to its figures."""

from __future__ import annotations

import math
from dataclasses import dataclass

import psutil

from tools.bench import metrics
from tools.bench.results import ProcessUsage, ScenarioResult
from tools.bench.sampler import Sampler, Series
from tools.bench.timings import TaskTimes

#: Sampled processes that are not the contender's: they give context, not the contender's cost.
INFRA = ("engine", "broker")


@dataclass(frozen=True)
class Observed:
    times: TaskTimes
    picks: dict[str, float]
    sampler: Sampler
    origin: float  # consumers started (burst) or pacing began (paced), epoch seconds


def fill(result: ScenarioResult, seen: Observed) -> ScenarioResult:
    """Compute every figure of ``result`` from what was observed."""
    times = seen.times
    result.tasks_completed = len(times.completed)
    result.complete = result.complete and result.tasks_completed >= result.tasks_expected
    if not times.completed:
        return result
    last = max(times.completed)
    result.duration_s = last - seen.origin
    result.overall_tasks_per_s = result.tasks_completed / result.duration_s if result.duration_s > 0 else 0.0
    result.longest_gap_s = metrics.longest_gap([seen.origin, *times.completed])
    latency = metrics.summarize(times.latencies_ms)
    pickup = metrics.summarize(times.pickups_ms(seen.picks))
    result.latency_ms = latency.as_dict() if latency else None
    result.pickup_ms = pickup.as_dict() if pickup else None
    window = metrics.steady_window(times.completed)
    if window is not None:
        _steady(result, window, seen.sampler)
    result.peak_rss_mb = max((p.peak_rss_mb for p in result.processes), default=0.0)
    result.series = _series(times, seen.origin, last)
    return result


def _steady(result: ScenarioResult, window: metrics.Window, sampler: Sampler) -> None:
    result.steady_tasks_per_s = window.rate
    result.steady_window_s = window.seconds
    total = 0.0
    sampled = 0.0  # every watched process, the engine and the broker included
    for name, series in sampler.series.items():
        cpu = _cpu_in(series, window)
        sampled += cpu
        per_1k = metrics.per_thousand(cpu, window.completions)
        if name in INFRA:
            result.context[f"{name}_cpu_s_per_1k"] = per_1k
            continue
        result.processes.append(ProcessUsage(name, round(series.peak_rss_mb, 1), cpu, per_1k))
        total += cpu
    result.cpu_s_per_1k = metrics.per_thousand(total, window.completions)
    busy = _cpu_in(sampler.machine, window)
    capacity = window.seconds * (psutil.cpu_count() or 1)
    if capacity > 0:
        result.context["machine_busy_pct"] = 100 * busy / capacity
        # Other people's programs on the shared machine (and this benchmark's own process):
        # a high share marks a disturbed scenario.
        result.context["others_busy_pct"] = 100 * max(busy - sampled, 0.0) / capacity


def _cpu_in(series: Series, window: metrics.Window) -> float:
    if not series.cpu:
        return 0.0
    return metrics.value_at(series.cpu, window.end) - metrics.value_at(series.cpu, window.start)


def _series(times: TaskTimes, origin: float, last: float) -> dict[str, list[float | int | None]]:
    """Per second since ``origin``: completions, and p50/p95 latency of the tasks completed then."""
    seconds = math.floor(last - origin) + 1
    pairs = list(zip(times.completed, times.latencies_ms, strict=True))
    return {
        "completions_per_s": list(metrics.per_second(times.completed, origin, seconds)),
        "latency_p50_ms": list(metrics.binned_percentile(pairs, origin, seconds, 50)),
        "latency_p95_ms": list(metrics.binned_percentile(pairs, origin, seconds, 95)),
    }
