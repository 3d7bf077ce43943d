"""CPU seconds per 1,000 tasks of every measured process, as medians over rounds with their range.

One row per scenario (its name without the round), shape and process: each of the
contender's processes, their total, and the broker and engine over the same steady window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tools.bench.metrics import percentile
from tools.bench.results import ScenarioResult
from tools.bench.summary import shape_of

TOTAL = "total (contender)"
INFRA = ("broker", "engine")
_ROUND_SUFFIX = "-r"


@dataclass(frozen=True)
class CpuRow:
    scenario: str  # the scenario's name without its round: rounds of it are pooled
    shape: str
    process: str  # one of the contender's processes, TOTAL, "broker" or "engine"
    median: float
    low: float
    high: float
    rounds: int


def series_name(name: str) -> str:
    """``suite-3000x1-r2`` → ``suite-3000x1``."""
    head, sep, tail = name.rpartition(_ROUND_SUFFIX)
    return head if sep and tail.isdigit() else name


def rows(results: Sequence[ScenarioResult]) -> list[CpuRow]:
    """Completed scenarios only: a failed one's window says nothing about the cost per task."""
    samples: dict[tuple[str, str, str], list[float]] = {}
    for r in results:
        if not r.complete:
            continue
        for process, value in per_process(r):
            samples.setdefault((series_name(r.name), shape_of(r), process), []).append(value)
    return [
        CpuRow(scenario, shape, process, percentile(values, 50), min(values), max(values), len(values))
        for (scenario, shape, process), values in samples.items()
    ]


def per_process(result: ScenarioResult) -> list[tuple[str, float]]:
    """(process, CPU s / 1k) of one scenario: its processes, their total, broker and engine."""
    found = [(p.name, p.cpu_s_per_1k) for p in result.processes]
    found.append((TOTAL, result.cpu_s_per_1k))
    found += [(name, result.context.get(f"{name}_cpu_s_per_1k")) for name in INFRA]
    return [(name, value) for name, value in found if value is not None]
