"""The benchmark's ratios and targets, and the parsing of what it reads back (no services)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.bench import summary
from tools.bench.contenders import routed_times
from tools.bench.picks import read_picks
from tools.bench.results import ScenarioResult
from tools.bench.suite_config import SuiteKnobs, with_overrides
from tools.bench.timings import engine_time, from_history


def scenario(
    role: str, rate: float, *, round: int = 1, complete: bool = True, **extra: object
) -> ScenarioResult:
    result = ScenarioResult(
        name=f"{role}-r{round}",
        role=role,
        contender=role,
        label=role,
        mode="burst",
        instances=1,
        steps=1,
        tasks_expected=1,
        tasks_completed=1,
        complete=complete,
        round=round,
        steady_tasks_per_s=rate,
    )
    for key, value in extra.items():
        setattr(result, key, value)
    return result


def test_the_limit_is_the_faster_loop_of_the_same_round() -> None:
    results = [
        scenario("limit-sequential", 200.0),
        scenario("limit-parallel", 500.0),
        scenario("suite", 300.0),
    ]

    found = summary.ratios(results)

    assert found["suite_over_limit"].median == pytest.approx(0.6)
    assert found["suite_over_sequential_loop"].median == pytest.approx(1.5)


def test_ratios_pair_contenders_within_a_round_then_take_the_median() -> None:
    # round 2 ran on a busier machine: everything is slower, the ratio is not
    results = [
        scenario("client-defaults", 100.0, round=1),
        scenario("suite", 250.0, round=1),
        scenario("client-defaults", 50.0, round=2),
        scenario("suite", 100.0, round=2),
        scenario("client-defaults", 80.0, round=3),
        scenario("suite", 240.0, round=3),
    ]

    found = summary.ratios(results)["suite_over_client_defaults"]

    # per round 2.5, 2.0, 3.0: the median is 2.5 (pooling the rates would give 590/230 = 2.57)
    assert (found.median, found.low, found.high, found.rounds) == (pytest.approx(2.5), 2.0, 3.0, 3)


def test_a_failed_scenario_does_not_count() -> None:
    results = [
        scenario("limit-parallel", 900.0, complete=False),
        scenario("limit-sequential", 200.0),
        scenario("suite", 150.0),
    ]

    assert summary.ratios(results)["suite_over_limit"].median == pytest.approx(0.75)


def test_a_ratio_without_its_baseline_is_not_measured() -> None:
    found = summary.ratios([scenario("suite", 150.0)])["suite_over_client_tuned"]

    assert (found.median, found.rounds) == (None, 0)


def test_rounds_are_paired_within_their_shape() -> None:
    # at 1000x5 the suite makes 0.5 of the limit, at 3000x1 0.8; mixing shapes would give 0.25 or 1.6
    results = [
        scenario("limit-parallel", 400.0, shape="1000x5"),
        scenario("suite", 200.0, shape="1000x5"),
        scenario("limit-parallel", 500.0, shape="3000x1"),
        scenario("suite", 400.0, shape="3000x1"),
    ]

    found = summary.ratios_by_shape(results)

    assert list(found) == ["1000x5", "3000x1"]
    assert found["1000x5"]["suite_over_limit"].median == pytest.approx(0.5)
    assert found["3000x1"]["suite_over_limit"].median == pytest.approx(0.8)
    assert summary.ratios(results)["suite_over_limit"].rounds == 2


def test_results_without_a_shape_fall_back_to_their_size() -> None:
    old = scenario("suite", 100.0, instances=1000, steps=5)

    assert summary.shape_of(old) == "1000x5"


def test_history_rows_become_creation_and_completion_times() -> None:
    rows = [
        {"startTime": "2026-11-22T05:30:47.301+0000", "endTime": "2026-11-22T05:30:47.451+0000"},
        {"startTime": "2026-11-22T05:30:48.000+0000", "endTime": None},  # still running
        {
            "startTime": "2026-11-22T05:30:49.000+0000",
            "endTime": "2026-11-22T05:30:50.000+0000",
            "canceled": True,
        },
    ]
    creations = [{"externalTaskId": "t1", "timestamp": "2026-11-22T05:30:47.301+0000"}]

    times = from_history(rows, creations)

    assert times.latencies_ms == [pytest.approx(150.0)]
    assert times.pickups_ms({"t1": engine_time("2026-11-22T05:30:47.321+0000"), "gone": 0.0}) == [
        pytest.approx(20.0)
    ]


def test_engine_times_carry_their_offset() -> None:
    assert engine_time("2026-11-22T06:00:00.000+0100") == engine_time("2026-11-22T05:00:00.000+0000")


def test_routed_log_lines_give_the_first_publish_time_per_task(tmp_path: Path) -> None:
    log = tmp_path / "universal_worker.log"
    lines = [
        {"ts": "2026-11-22T05:53:33.100000+00:00", "msg": "fetch loop started as worker w"},
        {
            "ts": "2026-11-22T05:53:34.500000+00:00",
            "msg": "routed topic=t task=abc instance=i system=python 3ms",
        },
        {
            "ts": "2026-11-22T05:53:39.000000+00:00",
            "msg": "routed topic=t task=abc instance=i system=python 2ms",
        },
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")

    assert routed_times(log) == {"abc": pytest.approx(engine_time("2026-11-22T05:53:34.500+0000"))}


def test_a_routed_line_of_a_batch_gives_every_task_it_names_its_time(tmp_path: Path) -> None:
    log = tmp_path / "universal_worker.log"
    lines = [
        {
            "ts": "2026-11-22T05:53:34.500000+00:00",
            "msg": "routed topic=t system=python tasks=2 3ms: task=abc instance=i; task=def instance=j",
        },
        {"ts": "2026-11-22T05:53:35.000000+00:00", "msg": "re-fetched task=ghi (routed): routed again"},
        {
            "ts": "2026-11-22T05:53:36.000000+00:00",
            "msg": "routed topic=t system=python tasks=1 2ms: task=ghi instance=k",
        },
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    first, third = engine_time("2026-11-22T05:53:34.500+0000"), engine_time("2026-11-22T05:53:36.000+0000")
    assert routed_times(log) == {
        "abc": pytest.approx(first),
        "def": pytest.approx(first),
        "ghi": pytest.approx(third),
    }


def test_pick_files_keep_the_first_pick_of_a_refetched_task(tmp_path: Path) -> None:
    picks = tmp_path / "picks.txt"
    picks.write_text("10.5 a\n11.0 b\n12.0 a\n")

    assert read_picks(picks) == {"a": 10.5, "b": 11.0}
    assert read_picks(tmp_path / "missing.txt") == {}


def test_knob_overrides_are_typed_and_checked() -> None:
    knobs = with_overrides(
        SuiteKnobs(),
        ["tracker_concurrency=4", "use_priority=false", "creator_prefetch=none", "log_level=WARNING"],
    )

    assert (knobs.tracker_concurrency, knobs.use_priority, knobs.creator_prefetch, knobs.log_level) == (
        4,
        False,
        None,
        "WARNING",
    )
    with pytest.raises(ValueError, match="NAME=VALUE"):
        with_overrides(SuiteKnobs(), ["threads=4"])
    with pytest.raises(ValueError, match="whole number"):
        with_overrides(SuiteKnobs(), ["max_tasks=many"])
