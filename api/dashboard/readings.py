"""The services' metrics text as numbers per system, and rates from two reads of it.

A read (:class:`Reading`) keeps the counters and gauges the dashboard shows, summed per
system over the other labels. :class:`RateWindow` keeps each target's reads of the last
minute; a rate compares the newest read with the oldest, so it is smooth at a 2 s tick and
needs nothing but memory. A counter that went down (its service restarted) counts from zero.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

SETTLED = "exchanger_tasks_settled_total"
CALLS = "exchanger_external_calls_total"
CIRCUIT = "exchanger_circuit_state"
HEADROOM = "exchanger_rate_limit_headroom_ratio"
TRACKED = "exchanger_tracked_in_flight"
CALL_OK = "ok"
WINDOW_S = 60.0


@dataclass(frozen=True)
class Reading:
    """One target's numbers at one moment (``at``: monotonic seconds)."""

    at: float
    settled: Mapping[str, float] = field(default_factory=dict)
    calls: Mapping[str, float] = field(default_factory=dict)
    failed_calls: Mapping[str, float] = field(default_factory=dict)
    circuit: Mapping[str, float] = field(default_factory=dict)
    headroom: Mapping[str, float] = field(default_factory=dict)
    tracked: Mapping[str, float] = field(default_factory=dict)

    @property
    def systems(self) -> set[str]:
        parts = (self.settled, self.calls, self.circuit, self.headroom, self.tracked)
        return set().union(*(part.keys() for part in parts))


@dataclass(frozen=True)
class SystemNumbers:
    tasks_per_min: float | None = None
    calls_per_min: float | None = None
    error_share: float | None = None
    circuit: int | None = None
    headroom: float | None = None
    tracked: int | None = None


def parse_reading(text: str, at: float) -> Reading:
    """The exposition text's numbers; ValueError when it is not the Prometheus text format."""
    sums: dict[str, defaultdict[str, float]] = {
        name: defaultdict(float) for name in ("settled", "calls", "failed", "tracked")
    }
    circuit: dict[str, float] = {}
    headroom: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            system = sample.labels.get("system")
            if system is None:
                continue
            if sample.name == SETTLED:
                sums["settled"][system] += sample.value
            elif sample.name == CALLS:
                sums["calls"][system] += sample.value
                if sample.labels.get("outcome") != CALL_OK:
                    sums["failed"][system] += sample.value
            elif sample.name == TRACKED:
                sums["tracked"][system] += sample.value
            elif sample.name == CIRCUIT:
                circuit[system] = max(circuit.get(system, 0.0), sample.value)
            elif sample.name == HEADROOM:
                headroom[system] = min(headroom.get(system, 1.0), sample.value)
    return Reading(
        at=at,
        settled=dict(sums["settled"]),
        calls=dict(sums["calls"]),
        failed_calls=dict(sums["failed"]),
        circuit=circuit,
        headroom=headroom,
        tracked=dict(sums["tracked"]),
    )


def _increase(new: float, old: float) -> float:
    return new - old if new >= old else new  # reset: the service restarted and counts from zero


@dataclass
class _Totals:
    """One system summed over every target."""

    seen: bool = False
    measured: bool = False  # some target has two reads of it
    settled_per_s: float = 0.0
    calls_per_s: float = 0.0
    calls: float = 0.0
    failed: float = 0.0
    circuit: float | None = None
    headroom: float | None = None
    tracked: float | None = None

    def add_rates(self, newest: Reading, oldest: Reading, system: str) -> None:
        elapsed = newest.at - oldest.at
        if elapsed <= 0:
            return
        self.measured = True
        settled = _increase(newest.settled.get(system, 0.0), oldest.settled.get(system, 0.0))
        calls = _increase(newest.calls.get(system, 0.0), oldest.calls.get(system, 0.0))
        failed = _increase(newest.failed_calls.get(system, 0.0), oldest.failed_calls.get(system, 0.0))
        self.settled_per_s += settled / elapsed
        self.calls_per_s += calls / elapsed
        self.calls += calls
        self.failed += failed

    def add_gauges(self, newest: Reading, system: str) -> None:
        self.seen = True
        if system in newest.circuit:
            self.circuit = max(self.circuit or 0.0, newest.circuit[system])  # the worst circuit
        if system in newest.headroom:
            self.headroom = min(1.0 if self.headroom is None else self.headroom, newest.headroom[system])
        if system in newest.tracked:
            self.tracked = (self.tracked or 0.0) + newest.tracked[system]

    def numbers(self) -> SystemNumbers:
        return SystemNumbers(
            tasks_per_min=self.settled_per_s * 60 if self.measured else None,
            calls_per_min=self.calls_per_s * 60 if self.measured else None,
            error_share=self.failed / self.calls if self.calls > 0 else None,
            circuit=None if self.circuit is None else round(self.circuit),
            headroom=self.headroom,
            tracked=None if self.tracked is None else round(self.tracked),
        )


class RateWindow:
    """Each target's reads over the last ``window_s``, and the per-system numbers they give."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self._window_s = window_s
        self._reads: dict[str, deque[Reading]] = {}

    def add(self, target: str, reading: Reading) -> None:
        reads = self._reads.setdefault(target, deque())
        reads.append(reading)
        cutoff = reading.at - self._window_s
        # Keep the last read at or before the cutoff, so a rate always spans the whole window.
        while len(reads) > 2 and reads[1].at <= cutoff:
            reads.popleft()

    def keep_only(self, targets: Iterable[str]) -> None:
        """Forget the targets not named (gone, or failing: their numbers would be stale)."""
        wanted = set(targets)
        for target in list(self._reads):
            if target not in wanted:
                del self._reads[target]

    def numbers(self) -> dict[str, SystemNumbers]:
        totals: defaultdict[str, _Totals] = defaultdict(_Totals)
        for reads in self._reads.values():
            newest, oldest = reads[-1], reads[0]
            for system in newest.systems:
                totals[system].add_gauges(newest, system)
                if oldest is not newest:
                    totals[system].add_rates(newest, oldest, system)
        return {system: total.numbers() for system, total in totals.items()}
