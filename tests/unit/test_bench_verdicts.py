"""The benchmark's verdicts, shapes, plan, per-process CPU table, report and plot (no services)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pytest

from tools.bench import cpu_table, plan, verdicts
from tools.bench.__main__ import choose
from tools.bench.environment import stale
from tools.bench.plot import write_plots
from tools.bench.report import SCHEMA, write_outputs
from tools.bench.results import ProcessUsage, ScenarioResult
from tools.bench.runner import Scenario
from tools.bench.shapes import Shape, parse_shape, parse_shapes
from tools.bench.suite_config import SuiteKnobs
from tools.bench.timings import engine_time


def result(role: str, rate: float, *, shape: str = "1000x5", round: int = 1, **extra: Any) -> ScenarioResult:
    instances, steps = (int(part) for part in shape.split("x"))
    found = ScenarioResult(
        name=f"{role}-{shape}-r{round}",
        role=role,
        contender="suite" if role.startswith("suite") else role,
        label=role,
        mode="paced" if role == "suite-paced" else "burst",
        instances=instances,
        steps=steps,
        tasks_expected=instances * steps,
        tasks_completed=instances * steps,
        complete=True,
        round=round,
        shape=shape,
        steady_tasks_per_s=rate,
    )
    return replace(found, **extra)


def suite(rate: float, cpu: float, engine: float, *, shape: str = "1000x5", round: int = 1) -> ScenarioResult:
    processes = [
        ProcessUsage("task_tracker", 60.0, 1.0, cpu / 2),
        ProcessUsage("task_creator", 55.0, 1.0, cpu / 4),
        ProcessUsage("universal_worker", 50.0, 1.0, cpu / 4),
    ]
    context: dict[str, float | None] = {"engine_cpu_s_per_1k": engine, "broker_cpu_s_per_1k": 0.5}
    return result(
        "suite",
        rate,
        shape=shape,
        round=round,
        processes=processes,
        cpu_s_per_1k=cpu,
        peak_rss_mb=60.0,
        context=context,
    )


def full_run() -> list[ScenarioResult]:
    """Three paired rounds at both shapes, the client once, the paced run: every target judged."""
    found = []
    for n, (suite_rate, limit_rate) in enumerate([(300.0, 400.0), (270.0, 400.0), (330.0, 400.0)], 1):
        found += [
            result("limit-parallel", limit_rate, round=n),
            suite(suite_rate, 1.0 + n / 10, 2.0, round=n),
        ]
        found += [
            result("limit-parallel", 500.0, shape="3000x1", round=n),
            suite(350.0, 1.0, 2.0, shape="3000x1", round=n),
        ]
    found += [result("client-defaults", 100.0), result("client-tuned", 250.0)]
    paced = suite(150.0, 2.0, 2.4)
    found.append(
        replace(
            paced,
            role="suite-paced",
            mode="paced",
            name="suite-paced",
            latency_ms={"p50": 30.0, "p95": 60.0, "p99": 80.0},
        )
    )
    return found


def by_key(found: list[verdicts.Verdict]) -> dict[tuple[str, str | None], verdicts.Verdict]:
    return {(v.name, v.shape): v for v in found}


def test_every_target_is_judged_with_its_median_and_range() -> None:
    found = by_key(verdicts.judge(full_run()))

    cpu = found[("suite CPU s / 1k tasks, worker + creator + tracker", "1000x5")]
    assert (cpu.measured, cpu.low, cpu.high, cpu.rounds) == (pytest.approx(1.2), 1.1, 1.3, 3)
    assert cpu.status == "met"  # the median 1.2 is within <= 1.2
    limit = found[("suite / raw limit", "1000x5")]
    assert (limit.measured, limit.low, limit.high, limit.status) == (0.75, 0.675, 0.825, "met")
    assert found[("suite / raw limit", "3000x1")].measured == pytest.approx(0.7)
    assert found[("suite / raw limit", "3000x1")].status == "missed"
    assert found[("suite / client tuned", "1000x5")].measured == pytest.approx(1.2)
    assert found[("suite / client tuned", "1000x5")].met is False
    assert found[("suite / client at defaults", "1000x5")].measured == pytest.approx(3.0)
    assert found[("suite / client at defaults", "1000x5")].met is True
    engine = found[("engine CPU per task, half load / full load", "1000x5")]
    assert (engine.measured, engine.rounds, engine.met) == (pytest.approx(1.2), 3, True)
    assert found[("p50 end-to-end latency, paced at half load (ms)", "1000x5")].met is True
    rss = found[("peak RSS per suite process (MB)", "1000x5, 3000x1")]
    assert (rss.measured, rss.rounds, rss.met) == (60.0, 7, True)


def test_a_paired_target_on_fewer_than_three_rounds_is_not_judged() -> None:
    two_rounds = [r for r in full_run() if r.round < 3 and r.role != "suite-paced"]

    found = by_key(verdicts.judge(two_rounds))[("suite / raw limit", "1000x5")]

    assert (found.status, found.met, found.rounds) == ("not judged", None, 2)
    assert found.measured == pytest.approx(0.7125)  # still shown: (0.75 + 0.675) / 2
    assert "needs at least 3" in found.note


def test_a_target_set_at_a_shape_the_run_did_not_have_is_not_measured() -> None:
    other_shape = [suite(300.0, 1.0, 2.0, shape="300x5"), result("limit-parallel", 350.0, shape="300x5")]

    found = by_key(verdicts.judge(other_shape))[("suite / raw limit", "1000x5")]

    assert (found.status, found.met, found.measured) == ("not measured", None, None)
    assert "300x5" in found.note


def test_memory_is_judged_on_its_worst_process_not_the_median() -> None:
    found = full_run()
    found[1] = replace(found[1], peak_rss_mb=81.0)

    rss = next(v for v in verdicts.judge(found) if v.name.startswith("peak RSS"))

    assert (rss.measured, rss.status) == (81.0, "missed")


def test_half_load_engine_cost_is_compared_with_the_same_shape_at_full_load() -> None:
    found = full_run()
    found[3] = replace(found[3], context={"engine_cpu_s_per_1k": 0.1})  # a 3000x1 round: not compared

    engine = next(v for v in verdicts.judge(found) if v.name.startswith("engine CPU"))

    assert (engine.measured, engine.low, engine.high) == (pytest.approx(1.2), 1.2, 1.2)


def test_nothing_measured_is_neither_met_nor_missed() -> None:
    assert {v.status for v in verdicts.judge([])} == {"not measured"}


def test_the_cpu_table_pools_rounds_per_scenario_and_process() -> None:
    found = {(row.scenario, row.process): row for row in cpu_table.rows(full_run())}

    total = found[("suite-1000x5", cpu_table.TOTAL)]
    assert (total.median, total.low, total.high, total.rounds) == (pytest.approx(1.2), 1.1, 1.3, 3)
    tracker = found[("suite-1000x5", "task_tracker")]
    assert (tracker.median, tracker.low, tracker.high) == (pytest.approx(0.6), 0.55, 0.65)
    assert found[("suite-3000x1", "engine")].median == 2.0
    assert found[("suite-paced", "broker")].shape == "1000x5"


def test_the_cpu_table_leaves_out_failed_scenarios() -> None:
    found = [suite(300.0, 1.0, 2.0), replace(suite(10.0, 9.0, 9.0, round=2), complete=False)]

    total = next(row for row in cpu_table.rows(found) if row.process == cpu_table.TOTAL)

    assert (total.median, total.rounds) == (1.0, 1)


def test_round_suffixes_are_pooled_but_shapes_are_not() -> None:
    assert cpu_table.series_name("suite-3000x1-r2") == "suite-3000x1"
    assert cpu_table.series_name("suite-paced") == "suite-paced"
    assert cpu_table.series_name("raw-parallel") == "raw-parallel"


def test_report_and_results_carry_the_verdicts_and_the_cpu_table(tmp_path: Path) -> None:
    markdown = write_outputs(full_run(), {"profile": "targets"}, tmp_path)

    document = json.loads((tmp_path / "results.json").read_text())
    assert document["schema"] == SCHEMA == "exchanger.bench/2"
    statuses = [(t["name"], t["shape"], t["status"]) for t in document["summary"]["targets"]]
    assert ("suite / raw limit", "3000x1", "missed") in statuses
    assert document["summary"]["ratios"]["3000x1"]["suite_over_limit"]["rounds"] == 3
    rows = document["summary"]["cpu_s_per_1k"]
    assert {"scenario": "suite-1000x5", "process": "engine", "rounds": 3} in [
        {k: row[k] for k in ("scenario", "process", "rounds")} for row in rows
    ]
    assert (
        "| suite / raw limit | >= 0.75 at 3000x1, median of >= 3 paired rounds | 0.70 [0.70–0.70]" in markdown
    )
    assert "| 3 | **missed** |" in markdown
    assert "| suite-1000x5 | 1000x5 | **total (contender)** | 1.20 | 1.10–1.30 | 3 |" in markdown


def test_the_cpu_plot_is_written_even_without_time_series(tmp_path: Path) -> None:
    written = write_plots(full_run(), tmp_path)

    assert written == [tmp_path / "cpu_per_process.png"]
    assert (tmp_path / "cpu_per_process.png").read_bytes().startswith(b"\x89PNG")
    assert write_plots([], tmp_path / "none") == []


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["1000x5"], (Shape(1000, 5),)),
        (["1000x5,3000x1"], (Shape(1000, 5), Shape(3000, 1))),
        (["1000x5", "3000X1", "1000x5"], (Shape(1000, 5), Shape(3000, 1))),
        ([" 200 x 5 ,"], (Shape(200, 5),)),
    ],
)
def test_shapes_are_parsed_from_repeated_options_and_lists(
    texts: list[str], expected: tuple[Shape, ...]
) -> None:
    assert parse_shapes(texts) == expected


@pytest.mark.parametrize("text", ["1000", "x5", "1000x", "0x5", "1000x0", "1e3x5", "-1x5"])
def test_a_bad_shape_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"1000x5|at least 1"):
        parse_shape(text)


def test_the_default_profile_judges_every_target() -> None:
    chosen = choose(False, (), None, None, None, None)

    assert [s.label for s in chosen.shapes] == ["1000x5", "3000x1"]
    assert (chosen.rounds, chosen.client_rounds) == (3, 1)
    assert choose(False, ("200x5",), None, None, 1, None).shapes == (Shape(200, 5),)
    assert choose(True, (), 500, None, None, None).shapes == (Shape(500, 5),)
    with pytest.raises(click.UsageError):
        choose(False, ("200x5",), 100, None, None, None)
    with pytest.raises(click.BadParameter):
        choose(False, ("lots",), None, None, None, None)


class FakeRunner:
    """Returns a made-up result per scenario and remembers what it was asked to run."""

    def __init__(self) -> None:
        self.ran: list[Scenario] = []

    def run(self, scenario: Scenario) -> ScenarioResult:
        self.ran.append(scenario)
        rate = 200.0 if scenario.steps == 5 else 900.0
        return result(scenario.role, rate, shape=f"{scenario.instances}x{scenario.steps}")


def test_the_targets_plan_pairs_every_shape_each_round_and_runs_the_client_once() -> None:
    runner = FakeRunner()

    found = plan.comparison(runner, plan.TARGETS, SuiteKnobs())  # type: ignore[arg-type]

    names = [s.name for s in runner.ran]
    assert names[:6] == [
        "raw-parallel-1000x5-r1",
        "client-defaults-1000x5-r1",
        "client-tuned-1000x5-r1",
        "suite-1000x5-r1",
        "raw-parallel-3000x1-r1",
        "suite-3000x1-r1",
    ]
    assert names[6:] == [  # even rounds run the lineup backwards, odd ones forwards
        "suite-1000x5-r2",
        "raw-parallel-1000x5-r2",
        "suite-3000x1-r2",
        "raw-parallel-3000x1-r2",
        "raw-parallel-1000x5-r3",
        "suite-1000x5-r3",
        "raw-parallel-3000x1-r3",
        "suite-3000x1-r3",
        "suite-paced",
    ]
    paced = runner.ran[-1]
    # half the suite's rate at the first shape (200/s), not at 3000x1 (900/s), on its chain of 5
    assert (paced.pace_tasks_per_s, paced.steps) == (100.0, 5)
    assert [r.shape for r in found][-1] == "1000x5"
    assert [r.round for r in found][-2:] == [3, 1]


def test_only_overrides_the_profiles_lineup_and_quick_keeps_its_old_names() -> None:
    runner = FakeRunner()

    plan.comparison(runner, plan.QUICK, SuiteKnobs(), only=("raw", "client-tuned"))  # type: ignore[arg-type]

    assert [s.name for s in runner.ran] == ["raw", "client-tuned"]


def test_only_deployments_older_than_an_hour_are_leftovers() -> None:
    now = engine_time("2026-12-07T04:00:00.000+0000")
    deployments = [
        {"name": "bench_old", "deploymentTime": "2026-12-07T02:59:00.000+0000"},
        {"name": "bench_running_elsewhere", "deploymentTime": "2026-12-07T03:45:00.000+0000"},
        {"name": "bench_undated"},
    ]

    assert [d["name"] for d in stale(deployments, now)] == ["bench_old", "bench_undated"]
