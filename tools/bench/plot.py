"""``throughput.png`` and ``latency.png``: each scenario over time, seconds since its consumers started.

One colour per scenario (its name without the round), a dashed line for later rounds. The
latency figure splits flat-out runs (where latency is mostly waiting in the backlog, log
scale) from the paced run (where it is the suite's own delay, linear scale).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tools.bench.cpu_table import rows
from tools.bench.plot_cpu import write_cpu_plot
from tools.bench.results import ScenarioResult

matplotlib.use("Agg")  # files only; no display on a server

SMOOTH_S = 3  # a moving average over this many seconds keeps the lines readable
_ROUND = re.compile(r"-r\d+$")
X_LABEL = "seconds since the consumers started"


def write_plots(results: Sequence[ScenarioResult], folder: Path) -> list[Path]:
    cpu = write_cpu_plot(rows(results), folder / "cpu_per_process.png")
    written = [] if cpu is None else [cpu]
    drawn = [r for r in results if r.series.get("completions_per_s")]
    if not drawn:
        return written
    colours = palette(drawn)
    return [
        _throughput(drawn, colours, folder / "throughput.png"),
        _latency(drawn, colours, folder / "latency.png"),
        *written,
    ]


def series_key(name: str) -> str:
    """The scenario's name without its round suffix: rounds of one contender share a colour."""
    return _ROUND.sub("", name)


def palette(results: Sequence[ScenarioResult]) -> dict[str, str]:
    keys = list(dict.fromkeys(series_key(r.name) for r in results))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {key: cycle[i % len(cycle)] for i, key in enumerate(keys)}


def _colour(result: ScenarioResult, colours: dict[str, str]) -> str:
    return colours[series_key(result.name)]


def _dash(result: ScenarioResult) -> str:
    return "-" if result.round == 1 else "--"


def _throughput(results: Sequence[ScenarioResult], colours: dict[str, str], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(10, 5))
    for r in results:
        counts = [float(c) for c in r.series["completions_per_s"]]
        smooth = moving_average(counts, SMOOTH_S)
        axes.plot(range(len(counts)), smooth, label=r.name, color=_colour(r, colours), linestyle=_dash(r))
    axes.set(xlabel=X_LABEL, ylabel="completed tasks / s")
    axes.set_title(f"Completions per second ({SMOOTH_S} s moving average)")
    _finish(axes)
    return _save(figure, path)


def _latency(results: Sequence[ScenarioResult], colours: dict[str, str], path: Path) -> Path:
    burst = [r for r in results if r.mode == "burst"]
    paced = [r for r in results if r.mode == "paced"]
    panels = [group for group in (burst, paced) if group]
    figure, axes_list = plt.subplots(1, len(panels), figsize=(6 * len(panels), 5), squeeze=False)
    for axes, group in zip(axes_list[0], panels, strict=True):
        for r in group:
            _latency_lines(axes, r, colours, with_p95=r.mode == "paced")
        if group is burst:
            axes.set_yscale("log")
            axes.set_title("Flat out: p50 (all tasks queued at the start)")
        else:
            axes.set_title("Paced: p50 solid, p95 dotted")
            axes.set_ylim(bottom=0)
        axes.set(xlabel=X_LABEL, ylabel="creation → completion, ms")
        _finish(axes)
    return _save(figure, path)


def _latency_lines(axes: Axes, r: ScenarioResult, colours: dict[str, str], *, with_p95: bool) -> None:
    colour = _colour(r, colours)
    p50 = r.series["latency_p50_ms"]
    xs = [i for i, v in enumerate(p50) if v is not None]
    axes.plot(xs, [p50[i] for i in xs], label=f"{r.name} p50", color=colour, linestyle=_dash(r))
    if with_p95:
        p95 = r.series["latency_p95_ms"]
        axes.plot(xs, [p95[i] for i in xs], label=f"{r.name} p95", color=colour, linestyle=":")


def moving_average(values: Sequence[float], width: int) -> list[float]:
    """Trailing mean over up to ``width`` values (shorter at the start)."""
    out = []
    for i in range(len(values)):
        window = values[max(0, i - width + 1) : i + 1]
        out.append(sum(window) / len(window))
    return out


def _finish(axes: Axes) -> None:
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small", ncol=2)


def _save(figure: Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
