"""Paired before/after rounds (tools.bench.pairs): balanced order, every run read, honest medians."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.bench import pairs
from tools.bench.pairs import SUITE_COLUMN, Run, change, drift, order, read_run, report

# A stand-in for a checkout's python: it writes what ``tools.bench --out DIR`` would, with the
# suite's CPU read from the checkout's cpu.txt (one number per call, in order).
FAKE_PYTHON = """#!{python}
import json, pathlib, sys
args = sys.argv[1:]
assert args[:4] == ["-m", "tools.bench", "--only", "suite"], args
out = pathlib.Path(args[args.index("--out") + 1])
tree = pathlib.Path.cwd()
calls = tree / "calls.txt"
n = len(calls.read_text().splitlines()) if calls.exists() else 0
calls.write_text((calls.read_text() if calls.exists() else "") + " ".join(args) + "\\n")
cpu = float((tree / "cpu.txt").read_text().split()[n])
scenario = {{
    "contender": "suite", "complete": True, "cpu_s_per_1k": cpu, "steady_tasks_per_s": 1000 / cpu,
    "processes": [{{"name": "task_tracker", "cpu_s_per_1k": cpu / 2}},
                  {{"name": "task_creator", "cpu_s_per_1k": cpu / 2}}],
    "context": {{"engine_cpu_s_per_1k": 2.0}},
}}
(out / f"run{{n}}").mkdir(parents=True)
(out / f"run{{n}}" / "results.json").write_text(json.dumps({{"scenarios": [scenario]}}))
"""


def fake_checkout(root: Path, name: str, cpus: list[float]) -> Path:
    tree = root / name
    python = tree / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    (tree / "cpu.txt").write_text(" ".join(map(str, cpus)))
    return tree


def run(pair: int, position: int, side: str, suite: float, tasks_per_s: float = 300.0) -> Run:
    return Run(pair, position, side, {"task_tracker": suite / 2}, suite, 2.0, tasks_per_s)


def test_the_order_alternates_so_neither_side_always_runs_second() -> None:
    assert order(4) == [
        (0, "before"),
        (0, "after"),
        (1, "after"),
        (1, "before"),
        (2, "before"),
        (2, "after"),
        (3, "after"),
        (3, "before"),
    ]


def test_a_steady_drift_cancels_out_of_the_paired_change() -> None:
    # Every run costs 0.1 less than the one before it (an engine warming up); the sides are equal
    def runs_in(sequence: list[tuple[int, str]]) -> list[Run]:
        costs = iter([4.0, 3.9, 3.8, 3.7, 3.6, 3.5, 3.4, 3.3])
        return [run(pair, step % 2, side, next(costs)) for step, (pair, side) in enumerate(sequence)]

    fixed = runs_in([(pair, side) for pair in range(4) for side in ("before", "after")])
    balanced = runs_in(order(4))
    assert change(fixed, SUITE_COLUMN) == pytest.approx(-0.027, abs=0.002)  # the drift, read as a gain
    assert change(balanced, SUITE_COLUMN) == pytest.approx(0.0, abs=0.002)
    assert drift(balanced) == pytest.approx(-0.027, abs=0.002)  # shown, not hidden


def test_the_change_is_the_median_of_each_pairs_own_ratio() -> None:
    runs = [
        run(0, 0, "before", 4.0),
        run(0, 1, "after", 3.0),  # -25 %
        run(1, 0, "after", 3.6),
        run(1, 1, "before", 4.0),  # -10 %
        run(2, 0, "before", 2.0),
        run(2, 1, "after", 1.9),  # -5 %
    ]
    assert change(runs, SUITE_COLUMN) == pytest.approx(-0.10)


def test_a_results_file_without_a_completed_suite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"scenarios": [{"contender": "suite", "complete": False}]}))
    with pytest.raises(Exception, match="did not complete"):
        read_run(path, 0, 0, "before")


def test_pairs_runs_each_checkouts_own_benchmark_in_abba_order_and_reports_the_change(
    tmp_path: Path,
) -> None:
    before = fake_checkout(tmp_path, "before", [4.0, 4.0])
    after = fake_checkout(tmp_path, "after", [3.0, 3.2])
    out = tmp_path / "out"

    result = CliRunner().invoke(
        pairs.main, [str(before), str(after), "--pairs", "2", "--shape", "300x5", "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    for tree in (before, after):  # each checkout ran its own benchmark twice, on the shape asked
        calls = (tree / "calls.txt").read_text().splitlines()
        assert len(calls) == 2 and all("--shape 300x5" in call for call in calls)
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["01-before", "02-after", "03-after", "04-before"]
    text = (out / "pairs.md").read_text()
    assert "| median before | 2.00 | 2.00 | 0.00 | 4.00 |" in text
    assert "| median after | 1.55 | 1.55 | 0.00 | 3.10 |" in text
    assert "-22%" in text  # suite CPU: pairs -25 % and -20 %, median -22.5 %


def test_a_failed_round_stops_the_pairs_with_the_checkout_named(tmp_path: Path) -> None:
    before = fake_checkout(tmp_path, "before", [])  # no number left: its benchmark fails
    after = fake_checkout(tmp_path, "after", [3.0, 3.0])
    result = CliRunner().invoke(
        pairs.main, [str(before), str(after), "--pairs", "2", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0
    assert "the benchmark in" in result.output and "before" in result.output


def test_the_report_names_both_commits_and_the_shape() -> None:
    runs = [
        run(0, 0, "before", 4.0),
        run(0, 1, "after", 3.0),
        run(1, 0, "after", 3.0),
        run(1, 1, "before", 4.0),
    ]
    text = report(runs, "abc1234", "def5678", "1000x5")
    assert text.startswith("before `abc1234`, after `def5678`, 1000x5, 2 pairs in ABBA order")


def test_an_after_knob_reaches_only_the_after_side(tmp_path: Path) -> None:
    tree = fake_checkout(tmp_path, "same", [4.0, 3.0, 3.0, 4.0])  # one checkout on both sides
    out = tmp_path / "out"
    args = [str(tree), str(tree), "--pairs", "2", "--after-knob", "log_level=WARNING", "--out", str(out)]

    result = CliRunner().invoke(pairs.main, args)

    assert result.exit_code == 0, result.output
    calls = (tree / "calls.txt").read_text().splitlines()  # in running order: B A A B
    assert ["--knob log_level=WARNING" in call for call in calls] == [False, True, True, False]
    assert "log_level=WARNING" in (out / "pairs.md").read_text().splitlines()[0]
