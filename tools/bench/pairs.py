"""``python -m tools.bench.pairs BEFORE AFTER``: a change's before/after pairs, order balanced.

Each side is a checkout with its own ``.venv``; every round runs that checkout's own
``tools.bench --only suite --rounds 1`` on the same engine. The order goes before-after, then
after-before (ABBA): on this shared machine the engine warms up or slows down over minutes, and a
fixed order hands that drift to whichever side always runs second. Over every two pairs a
linear drift cancels. The report gives each run, the medians of each side, the median of the
pairwise changes, and the median of the second run of a pair against the first, which shows the
drift the order cancelled.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

SIDES = ("before", "after")
PROCESSES = ("task_tracker", "task_creator", "universal_worker")
SUITE_COLUMN = len(PROCESSES)  # the report's columns: each process, the suite, the engine, tasks/s


@dataclass(frozen=True)
class Run:
    """One round of the suite: CPU-s per 1,000 tasks by process, and tasks per second."""

    pair: int
    position: int  # 0 when it ran first in its pair
    side: str
    cpu_per_1k: dict[str, float]
    suite_cpu_per_1k: float
    engine_cpu_per_1k: float
    tasks_per_s: float


def order(pairs: int) -> list[tuple[int, str]]:
    """(pair, side) in running order: before-after, after-before, and so on."""
    sequence: list[tuple[int, str]] = []
    for pair in range(pairs):
        sides = SIDES if pair % 2 == 0 else SIDES[::-1]
        sequence += [(pair, side) for side in sides]
    return sequence


def read_run(results_json: Path, pair: int, position: int, side: str) -> Run:
    """The suite scenario of one ``tools.bench`` results file."""
    data = json.loads(results_json.read_text(encoding="utf-8"))
    scenario = next((s for s in data["scenarios"] if s["contender"] == "suite"), None)
    if scenario is None or not scenario["complete"]:
        raise click.ClickException(f"{results_json}: the suite scenario did not complete")
    return Run(
        pair=pair,
        position=position,
        side=side,
        cpu_per_1k={p["name"]: p["cpu_s_per_1k"] for p in scenario["processes"]},
        suite_cpu_per_1k=scenario["cpu_s_per_1k"],
        engine_cpu_per_1k=scenario["context"].get("engine_cpu_s_per_1k") or 0.0,
        tasks_per_s=scenario["steady_tasks_per_s"],
    )


def change(runs: Sequence[Run], column: int) -> float | None:
    """Median over pairs of after ÷ before − 1, of one column of the report (None: nothing measured)."""
    return _median_ratio(runs, column, lambda run: run.side == "before")


def drift(runs: Sequence[Run]) -> float | None:
    """Median over pairs of the second run's suite CPU ÷ the first's − 1, whatever their sides."""
    return _median_ratio(runs, SUITE_COLUMN, lambda run: run.position == 0)


def _median_ratio(runs: Sequence[Run], column: int, is_base: Callable[[Run], bool]) -> float | None:
    """Median over complete pairs of the other run's value ÷ the base run's − 1, in one column."""
    by_pair: dict[int, dict[bool, float]] = {}
    for run in runs:
        by_pair.setdefault(run.pair, {})[is_base(run)] = _values(run)[column]
    ratios = [p[False] / p[True] - 1 for p in by_pair.values() if len(p) == 2 and p[True] > 0]
    return statistics.median(ratios) if ratios else None


def report(runs: Sequence[Run], before: str, after: str, shape: str) -> str:
    """Markdown: every run, each side's medians, the paired changes and the order's drift."""
    head = "| pair | order | side | tracker | creator | worker | **suite** | engine | tasks/s |"
    lines = [f"before `{before}`, after `{after}`, {shape}, {len(runs) // 2} pairs in ABBA order", ""]
    lines += [head, "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    lines += [_row(str(r.pair + 1), str(r.position + 1), r.side, _values(r)) for r in runs]
    for side in SIDES:
        mine = [r for r in runs if r.side == side]
        medians = [statistics.median(column) for column in zip(*(_values(r) for r in mine), strict=True)]
        lines.append(_row("", "", f"median {side}", medians))
    changes = [_percent(change(runs, column)) for column in range(len(_values(runs[0])))]
    lines.append("| | | median change per pair | " + " | ".join(changes) + " |")
    lines += [
        "",
        f"second run of a pair against the first (the drift ABBA cancels): {_percent(drift(runs))} suite CPU",
    ]
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.0%}"


def _values(run: Run) -> list[float]:
    per_process = [run.cpu_per_1k.get(p, 0.0) for p in PROCESSES]
    return [*per_process, run.suite_cpu_per_1k, run.engine_cpu_per_1k, run.tasks_per_s]


def _row(pair: str, position: str, side: str, values: Sequence[float]) -> str:
    cells = [f"{v:.2f}" for v in values[:-1]] + [f"{values[-1]:.0f}"]
    return f"| {pair} | {position} | {side} | " + " | ".join(cells) + " |"


def run_bench(tree: Path, out: Path, shape: str, engine_url: str, knobs: Sequence[str] = ()) -> Path:
    """Run one suite round in ``tree`` with its own code; the results file it wrote."""
    command = [str(tree / ".venv" / "bin" / "python"), "-m", "tools.bench", "--only", "suite"]
    command += ["--rounds", "1", "--shape", shape, "--engine-url", engine_url, "--out", str(out)]
    command += [arg for knob in knobs for arg in ("--knob", knob)]
    finished = subprocess.run(command, cwd=tree, check=False)
    written = sorted(out.glob("*/results.json"))
    if finished.returncode != 0 or not written:
        raise click.ClickException(f"the benchmark in {tree} failed (exit {finished.returncode})")
    return written[-1]


def _label(tree: Path) -> str:
    """The checkout's commit, or its folder's name when it is not a git checkout."""
    found = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return found.stdout.strip() if found.returncode == 0 else tree.name


@click.command(name="pairs")
@click.argument("before", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("after", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--pairs",
    "count",
    type=click.IntRange(min=2),
    default=4,
    show_default=True,
    help="even: the order is balanced",
)
@click.option("--shape", default="1000x5", show_default=True)
@click.option("--engine-url", default="http://127.0.0.1:8081/engine-rest", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("bench-results/pairs"))
@click.option(
    "--after-knob",
    "after_knobs",
    multiple=True,
    metavar="NAME=VALUE",
    help="a suite knob for the after side only (repeatable); with one checkout twice, measures a setting",
)
def main(
    before: Path,
    after: Path,
    count: int,
    shape: str,
    engine_url: str,
    out: Path,
    after_knobs: tuple[str, ...],
) -> None:
    """Measure BEFORE against AFTER (two checkouts) in paired suite rounds, order balanced."""
    trees = {"before": before.resolve(), "after": after.resolve()}
    knobs = {"before": (), "after": after_knobs}
    runs: list[Run] = []
    for step, (pair, side) in enumerate(order(count)):
        folder = out.resolve() / f"{step + 1:02d}-{side}"
        results = run_bench(trees[side], folder, shape, engine_url, knobs[side])
        runs.append(read_run(results, pair, step % 2, side))
    after_label = " ".join([_label(trees["after"]), *after_knobs])
    text = report(runs, _label(trees["before"]), after_label, shape)
    (out / "pairs.md").write_text(text, encoding="utf-8")
    click.echo(text)


if __name__ == "__main__":
    main()
