"""Which scenarios a run consists of: the comparison (quick or full) and the scaling run.

The comparison measures every contender once per round, in the same order each round, so a
drift of the shared machine shows up as a difference between rounds rather than as a
difference between contenders; the summary pairs contenders within a round.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace

from tools.bench.contenders import ClientLibrary, Contender, RawLoop, Suite
from tools.bench.metrics import percentile
from tools.bench.results import ScenarioResult
from tools.bench.runner import Runner, Scenario
from tools.bench.suite_config import SuiteKnobs


@dataclass(frozen=True)
class Profile:
    name: str
    instances: int
    steps: int
    rounds: int
    paced_seconds: float


QUICK = Profile("quick", instances=300, steps=5, rounds=1, paced_seconds=30)
FULL = Profile("full", instances=1_000, steps=5, rounds=2, paced_seconds=60)
#: Completing threads of the parallel raw loop: as many as the suite's tracker uses by default.
RAW_THREADS = 8
#: The paced scenario runs at this share of the suite's measured maximum.
PACED_SHARE = 0.5
SCALING_STEPS = 5
SCALING_TASKS = (1_000, 5_000, 20_000)
SCALING_CREATORS = (2, 4)  # at the middle size; one creator is measured at every size


def lineup(knobs: SuiteKnobs) -> list[tuple[str, str, Contender]]:
    """(name, role, contender) of one round, in the order they run."""
    return [
        ("raw", "limit-sequential", RawLoop()),
        ("raw-parallel", "limit-parallel", RawLoop(threads=RAW_THREADS)),
        ("client-defaults", "client-defaults", ClientLibrary(tuned=False)),
        ("client-tuned", "client-tuned", ClientLibrary(tuned=True)),
        ("suite", "suite", Suite(knobs)),
    ]


NAMES = [name for name, _, _ in lineup(SuiteKnobs())] + ["suite-paced"]


def comparison(
    runner: Runner,
    profile: Profile,
    knobs: SuiteKnobs,
    *,
    only: Collection[str] = (),
    pace: float | None = None,
) -> list[ScenarioResult]:
    """Every contender flat out, ``profile.rounds`` times; then the suite paced at half its best."""
    results: list[ScenarioResult] = []
    for number in range(1, profile.rounds + 1):
        suffix = f"-r{number}" if profile.rounds > 1 else ""
        for name, role, contender in lineup(knobs):
            if only and name not in only:
                continue
            scenario = Scenario(name + suffix, role, contender, profile.instances, profile.steps)
            results.append(replace(runner.run(scenario), round=number))
    rate = pace or PACED_SHARE * median_rate(results, "suite")
    if rate > 0 and (not only or "suite-paced" in only):
        results.append(runner.run(paced_scenario(rate, profile, Suite(knobs))))
    return results


def median_rate(results: list[ScenarioResult], role: str) -> float:
    rates = [r.steady_tasks_per_s for r in results if r.role == role and r.complete]
    return percentile(rates, 50) if rates else 0.0


def paced_scenario(rate: float, profile: Profile, suite: Suite) -> Scenario:
    instances = max(math.ceil(rate * profile.paced_seconds / profile.steps), 1)
    return Scenario("suite-paced", "suite-paced", suite, instances, profile.steps, pace_tasks_per_s=rate)


def scaling(runner: Runner, knobs: SuiteKnobs) -> list[ScenarioResult]:
    """The suite and the limit at growing sizes; more creator processes at the middle size."""
    results = []
    for tasks in SCALING_TASKS:
        instances = tasks // SCALING_STEPS
        size = f"{tasks // 1000}k"
        raw = RawLoop(threads=RAW_THREADS)
        results.append(
            runner.run(Scenario(f"raw-parallel-{size}", "scaling-limit", raw, instances, SCALING_STEPS))
        )
        suite = Suite(replace(knobs, creators=1))
        results.append(runner.run(Scenario(f"suite-{size}-c1", "scaling", suite, instances, SCALING_STEPS)))
    middle = SCALING_TASKS[1] // SCALING_STEPS
    for creators in SCALING_CREATORS:
        suite = Suite(replace(knobs, creators=creators))
        name = f"suite-{SCALING_TASKS[1] // 1000}k-c{creators}"
        results.append(runner.run(Scenario(name, "scaling", suite, middle, SCALING_STEPS)))
    return results
