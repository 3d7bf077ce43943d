"""What one scenario measured, in the shape written to ``results.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Mode = Literal["burst", "paced"]


@dataclass
class ProcessUsage:
    name: str
    peak_rss_mb: float
    cpu_s: float  # inside the steady-state window
    cpu_s_per_1k: float | None


@dataclass
class ScenarioResult:
    name: str
    role: str  # limit, client-defaults, client-tuned, suite, suite-paced, scaling
    contender: str
    label: str
    mode: Mode
    instances: int
    steps: int
    tasks_expected: int
    tasks_completed: int
    complete: bool
    error: str | None = None
    round: int = 1
    shape: str = ""  # "1000x5" of the comparison (the paced run: the shape whose chain it uses)
    pace_tasks_per_s: float | None = None
    setup_s: float = 0.0  # starting the instances before a burst
    duration_s: float = 0.0  # consumers started (or pacing began) → last completion
    steady_tasks_per_s: float = 0.0
    steady_window_s: float = 0.0
    overall_tasks_per_s: float = 0.0
    longest_gap_s: float = 0.0
    latency_ms: dict[str, float | int] | None = None
    pickup_ms: dict[str, float | int] | None = None
    processes: list[ProcessUsage] = field(default_factory=list)
    cpu_s_per_1k: float | None = None
    peak_rss_mb: float = 0.0  # the largest of the contender's processes
    context: dict[str, float | None] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    series: dict[str, list[Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
