"""Which scenarios a run consists of: the comparison (quick or the targets run) and the scaling run.

The comparison measures every contender once per round and shape; the summary pairs
contenders within a round and shape. Even rounds run the lineup backwards: on the shared
machine a run's place in a pair moved its cost by up to a tenth, either way
(docs/performance.md, "Doubts"), so neither the suite nor the raw loop always runs second;
over an even number of rounds each does so equally often.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace

from tools.bench.contenders import ClientLibrary, Contender, RawLoop, Suite
from tools.bench.metrics import percentile
from tools.bench.results import ScenarioResult
from tools.bench.runner import Runner, Scenario
from tools.bench.shapes import Shape
from tools.bench.suite_config import SuiteKnobs


@dataclass(frozen=True)
class Profile:
    name: str
    shapes: tuple[Shape, ...]
    rounds: int
    paced_seconds: float
    contenders: tuple[str, ...] = ()  # names of the lineup that run; empty: all of them
    #: The client library runs in only this many rounds, at the first shape (None: like the rest):
    #: its targets are judged at one shape, and its defaults run is the slowest scenario.
    client_rounds: int | None = None

    @property
    def first(self) -> Shape:
        return self.shapes[0]


QUICK = Profile("quick", (Shape(300, 5),), rounds=1, paced_seconds=30)
#: ``make bench``: what judging every target of docs/performance.md needs, in under 10 minutes.
TARGETS = Profile(
    "targets",
    (Shape(1_000, 5), Shape(3_000, 1)),
    rounds=3,  # two forwards, one backwards; --rounds 4 balances the order fully but takes 12 minutes
    paced_seconds=45,  # ~5,000 paced tasks: plenty for a p50, and it keeps the run under 10 minutes
    contenders=("raw-parallel", "client-defaults", "client-tuned", "suite"),
    client_rounds=1,
)
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


def in_order(contenders: list[tuple[str, str, Contender]], number: int) -> list[tuple[str, str, Contender]]:
    """Round ``number``'s order: the lineup as it stands in odd rounds, backwards in even ones."""
    return contenders if number % 2 else contenders[::-1]


def comparison(
    runner: Runner,
    profile: Profile,
    knobs: SuiteKnobs,
    *,
    only: Collection[str] = (),
    pace: float | None = None,
) -> list[ScenarioResult]:
    """Every contender flat out at every shape, ``profile.rounds`` times; then the suite paced.

    The paced run uses the first shape's chain at half the suite's median rate at that shape.
    """
    results: list[ScenarioResult] = []
    for number in range(1, profile.rounds + 1):
        for shape in profile.shapes:
            for name, role, contender in in_order(lineup(knobs), number):
                if not runs(profile, name, number, shape, only):
                    continue
                title = scenario_name(profile, name, shape, number)
                scenario = Scenario(title, role, contender, shape.instances, shape.steps)
                results.append(replace(runner.run(scenario), round=number, shape=shape.label))
    at_first = [r for r in results if r.shape == profile.first.label]
    rate = pace or PACED_SHARE * median_rate(at_first, "suite")
    if rate > 0 and (not only or "suite-paced" in only):
        paced = runner.run(paced_scenario(rate, profile, Suite(knobs)))
        results.append(replace(paced, shape=profile.first.label))
    return results


def runs(profile: Profile, name: str, number: int, shape: Shape, only: Collection[str]) -> bool:
    """Whether contender ``name`` runs in round ``number`` at ``shape``."""
    chosen = name in only if only else not profile.contenders or name in profile.contenders
    if chosen and name.startswith("client-") and profile.client_rounds is not None:
        return number <= profile.client_rounds and shape == profile.first
    return chosen


def scenario_name(profile: Profile, name: str, shape: Shape, number: int) -> str:
    """``suite``, ``suite-r2``, ``suite-3000x1-r2``: the shape and round only when there are several."""
    with_shape = f"{name}-{shape.label}" if len(profile.shapes) > 1 else name
    return f"{with_shape}-r{number}" if profile.rounds > 1 else with_shape


def median_rate(results: list[ScenarioResult], role: str) -> float:
    rates = [r.steady_tasks_per_s for r in results if r.role == role and r.complete]
    return percentile(rates, 50) if rates else 0.0


def paced_scenario(rate: float, profile: Profile, suite: Suite) -> Scenario:
    steps = profile.first.steps
    instances = max(math.ceil(rate * profile.paced_seconds / steps), 1)
    return Scenario("suite-paced", "suite-paced", suite, instances, steps, pace_tasks_per_s=rate)


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
