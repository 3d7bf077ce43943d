"""The issue's performance targets, each judged honestly: met, missed, not judged or not measured.

A target set at a shape (``1000x5``) is judged only on scenarios of that shape; one that asks
for a median of several paired rounds is not judged on fewer. The measured value is the median
over rounds with the lowest and highest round beside it (for memory: the largest peak).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from tools.bench.metrics import percentile, ratio
from tools.bench.results import ScenarioResult
from tools.bench.summary import LIMIT_ROLES, SUITE_ROLES, per_round, shape_of, shapes

Op = Literal[">=", "<=", "<"]
Status = Literal["met", "missed", "not judged", "not measured"]
MAIN_SHAPE = "1000x5"
SINGLE_STEP_SHAPE = "3000x1"
PAIRED_ROUNDS = 3


@dataclass(frozen=True)
class Verdict:
    name: str
    required: str
    measured: float | None  # the median over rounds (memory: the largest peak)
    low: float | None
    high: float | None
    rounds: int  # how many values the measurement summarises
    shape: str | None  # the shape it is judged at; None: whatever the run measured
    met: bool | None  # None: not judged or not measured
    status: Status
    note: str = ""


#: A measured value and the shape of the scenarios it came from.
Value = tuple[float, str]
Measure = Callable[[Sequence[ScenarioResult]], list[Value]]


@dataclass(frozen=True)
class Spec:
    name: str
    op: Op
    bound: float
    measure: Measure  # the per-round (or per-scenario) values from results of the right shape
    shape: str | None = None
    min_rounds: int = 1
    worst: bool = False  # judge the worst value instead of the median (a limit for every process)

    @property
    def required(self) -> str:
        text = f"{self.op} {self.bound:g}"
        if self.shape:
            text += f" at {self.shape}"
        if self.min_rounds > 1:
            text += f", median of >= {self.min_rounds} paired rounds"
        return text + (", every process" if self.worst else "")


def _flat_suite(results: Sequence[ScenarioResult]) -> list[ScenarioResult]:
    return [r for r in results if r.role == "suite" and r.mode == "burst" and r.complete]


def suite_cpu(results: Sequence[ScenarioResult]) -> list[Value]:
    """worker + creator + tracker CPU s / 1k tasks, per flat-out round."""
    return [(r.cpu_s_per_1k, shape_of(r)) for r in _flat_suite(results) if r.cpu_s_per_1k is not None]


def over(*bottom: str) -> Measure:
    """The suite's rate over the fastest of ``bottom``, per round and shape."""

    def measure(results: Sequence[ScenarioResult]) -> list[Value]:
        found: list[Value] = []
        for shape in shapes(results):
            same = [r for r in results if shape_of(r) == shape]
            found += [(value, shape) for value in per_round(same, ("suite",), bottom)]
        return found

    return measure


def engine_half_over_full(results: Sequence[ScenarioResult]) -> list[Value]:
    """Engine CPU s / 1k of the paced run over that of each flat-out suite round of its shape."""
    found: list[Value] = []
    for paced in (r for r in results if r.role == "suite-paced" and r.complete):
        for flat in _flat_suite(results):
            value = ratio(_engine(paced), _engine(flat))
            if shape_of(flat) == shape_of(paced) and value is not None:
                found.append((value, shape_of(paced)))
    return found


def _engine(result: ScenarioResult) -> float | None:
    return result.context.get("engine_cpu_s_per_1k")


def paced_p50(results: Sequence[ScenarioResult]) -> list[Value]:
    paced = [r for r in results if r.role == "suite-paced" and r.complete]
    return [(float(r.latency_ms["p50"]), shape_of(r)) for r in paced if r.latency_ms]


def suite_rss(results: Sequence[ScenarioResult]) -> list[Value]:
    """The largest process of every suite scenario (failed ones too: memory counts regardless)."""
    return [(r.peak_rss_mb, shape_of(r)) for r in results if r.role in SUITE_ROLES and r.processes]


SPECS = (
    Spec("suite CPU s / 1k tasks, worker + creator + tracker", "<=", 1.2, suite_cpu, MAIN_SHAPE),
    Spec("suite / raw limit", ">=", 0.75, over(*LIMIT_ROLES), MAIN_SHAPE, PAIRED_ROUNDS),
    Spec("suite / raw limit", ">=", 0.75, over(*LIMIT_ROLES), SINGLE_STEP_SHAPE, PAIRED_ROUNDS),
    Spec("suite / client tuned", ">=", 1.3, over("client-tuned"), MAIN_SHAPE),
    Spec("suite / client at defaults", ">=", 3.0, over("client-defaults"), MAIN_SHAPE),
    Spec("engine CPU per task, half load / full load", "<=", 1.3, engine_half_over_full),
    Spec("p50 end-to-end latency, paced at half load (ms)", "<", 50.0, paced_p50),
    Spec("peak RSS per suite process (MB)", "<", 80.0, suite_rss, worst=True),
)


def judge(results: Sequence[ScenarioResult], specs: Sequence[Spec] = SPECS) -> list[Verdict]:
    return [verdict(spec, results) for spec in specs]


def verdict(spec: Spec, results: Sequence[ScenarioResult]) -> Verdict:
    chosen = [r for r in results if spec.shape is None or shape_of(r) == spec.shape]
    found = spec.measure(chosen)
    values = [value for value, _ in found]
    shape = ", ".join(dict.fromkeys(shape for _, shape in found)) or spec.shape
    if not values:
        ran = ", ".join(shapes(results)) or "none"
        note = f"set at {spec.shape}; this run's shapes: {ran}" if spec.shape else "nothing to measure it on"
        return Verdict(spec.name, spec.required, None, None, None, 0, shape, None, "not measured", note)
    measured = max(values) if spec.worst else percentile(values, 50)
    common = (spec.name, spec.required, measured, min(values), max(values), len(values), shape)
    if len(values) < spec.min_rounds:
        note = f"{len(values)} round(s); the target needs at least {spec.min_rounds}"
        return Verdict(*common, None, "not judged", note)
    met = _holds(spec.op, measured, spec.bound)
    note = f"the largest of {len(values)} scenarios" if spec.worst else ""
    return Verdict(*common, met, "met" if met else "missed", note)


def _holds(op: Op, measured: float, bound: float) -> bool:
    if op == ">=":
        return measured >= bound
    if op == "<=":
        return measured <= bound
    return measured < bound
