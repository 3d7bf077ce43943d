"""Ratios against the baselines and the targets of the issue, from the scenario results.

Contenders are compared within a round (measured minutes apart on the same machine); the
reported ratio is the median over rounds, with the lowest and highest round beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tools.bench.metrics import percentile, ratio
from tools.bench.results import ScenarioResult

MIN_SHARE_OF_LIMIT = 0.6
MIN_TIMES_CLIENT_DEFAULTS = 2.0
MAX_PACED_P50_MS = 150.0
MAX_RSS_MB = 80.0
SUITE_ROLES = ("suite", "suite-paced", "scaling")
LIMIT_ROLES = ("limit-sequential", "limit-parallel")
#: ratio name → (numerator roles, denominator roles); several roles: the fastest of them.
RATIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "suite_over_limit": (("suite",), LIMIT_ROLES),
    "suite_over_sequential_loop": (("suite",), ("limit-sequential",)),
    "suite_over_parallel_loop": (("suite",), ("limit-parallel",)),
    "suite_over_client_defaults": (("suite",), ("client-defaults",)),
    "suite_over_client_tuned": (("suite",), ("client-tuned",)),
}


@dataclass(frozen=True)
class Ratio:
    median: float | None
    low: float | None
    high: float | None
    rounds: int


@dataclass(frozen=True)
class Target:
    name: str
    required: str
    measured: float | None
    met: bool | None  # None: not measured in this run


def fastest(results: Sequence[ScenarioResult], roles: Sequence[str]) -> float | None:
    """The highest steady throughput among completed scenarios of these roles."""
    rates = [
        r.steady_tasks_per_s for r in results if r.role in roles and r.complete and r.steady_tasks_per_s > 0
    ]
    return max(rates, default=None)


def paired_ratio(results: Sequence[ScenarioResult], top: Sequence[str], bottom: Sequence[str]) -> Ratio:
    per_round = []
    for number in sorted({r.round for r in results}):
        same_round = [r for r in results if r.round == number]
        value = ratio(fastest(same_round, top), fastest(same_round, bottom))
        if value is not None:
            per_round.append(value)
    if not per_round:
        return Ratio(None, None, None, 0)
    return Ratio(percentile(per_round, 50), min(per_round), max(per_round), len(per_round))


def ratios(results: Sequence[ScenarioResult]) -> dict[str, Ratio]:
    return {name: paired_ratio(results, top, bottom) for name, (top, bottom) in RATIOS.items()}


def targets(results: Sequence[ScenarioResult]) -> list[Target]:
    found = ratios(results)
    paced = [r for r in results if r.role == "suite-paced" and r.latency_ms]
    paced_p50 = max((float(r.latency_ms["p50"]) for r in paced if r.latency_ms), default=None)
    rss = [p.peak_rss_mb for r in results if r.role in SUITE_ROLES for p in r.processes]
    return [
        _at_least("throughput vs the raw limit", found["suite_over_limit"].median, MIN_SHARE_OF_LIMIT),
        _at_least(
            "throughput vs the client at defaults",
            found["suite_over_client_defaults"].median,
            MIN_TIMES_CLIENT_DEFAULTS,
        ),
        _below("p50 end-to-end latency at half load (ms)", paced_p50, MAX_PACED_P50_MS),
        _below("largest suite process peak RSS (MB)", max(rss, default=None), MAX_RSS_MB),
    ]


def _at_least(name: str, measured: float | None, bound: float) -> Target:
    return Target(name, f">= {bound:g}", measured, None if measured is None else measured >= bound)


def _below(name: str, measured: float | None, bound: float) -> Target:
    return Target(name, f"< {bound:g}", measured, None if measured is None else measured < bound)


def as_dict(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    return {
        "ratios": {name: asdict(value) for name, value in ratios(results).items()},
        "targets": [asdict(t) for t in targets(results)],
    }
