"""Ratios against the baselines, from the scenario results.

Contenders are compared within a round and shape (measured minutes apart on the same
machine); the reported ratio is the median over rounds, with the lowest and highest round
beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tools.bench.metrics import percentile, ratio
from tools.bench.results import ScenarioResult

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


def shape_of(result: ScenarioResult) -> str:
    """The comparison's shape label; results written before shapes existed fall back to their size."""
    return result.shape or f"{result.instances}x{result.steps}"


def shapes(results: Sequence[ScenarioResult]) -> list[str]:
    """Shapes of the flat-out scenarios, in the order they were first run."""
    return list(dict.fromkeys(shape_of(r) for r in results if r.mode == "burst"))


def fastest(results: Sequence[ScenarioResult], roles: Sequence[str]) -> float | None:
    """The highest steady throughput among completed scenarios of these roles."""
    rates = [
        r.steady_tasks_per_s for r in results if r.role in roles and r.complete and r.steady_tasks_per_s > 0
    ]
    return max(rates, default=None)


def per_round(results: Sequence[ScenarioResult], top: Sequence[str], bottom: Sequence[str]) -> list[float]:
    """top / bottom within each (shape, round) where both were measured."""
    values = []
    for key in dict.fromkeys((shape_of(r), r.round) for r in results):
        same = [r for r in results if (shape_of(r), r.round) == key]
        value = ratio(fastest(same, top), fastest(same, bottom))
        if value is not None:
            values.append(value)
    return values


def paired_ratio(results: Sequence[ScenarioResult], top: Sequence[str], bottom: Sequence[str]) -> Ratio:
    values = per_round(results, top, bottom)
    if not values:
        return Ratio(None, None, None, 0)
    return Ratio(percentile(values, 50), min(values), max(values), len(values))


def ratios(results: Sequence[ScenarioResult]) -> dict[str, Ratio]:
    return {name: paired_ratio(results, top, bottom) for name, (top, bottom) in RATIOS.items()}


def ratios_by_shape(results: Sequence[ScenarioResult]) -> dict[str, dict[str, Ratio]]:
    return {shape: ratios([r for r in results if shape_of(r) == shape]) for shape in shapes(results)}


def as_dict(results: Sequence[ScenarioResult]) -> dict[str, dict[str, Any]]:
    """Per shape, every ratio as median, lowest, highest and rounds."""
    return {
        shape: {name: asdict(value) for name, value in found.items()}
        for shape, found in ratios_by_shape(results).items()
    }
