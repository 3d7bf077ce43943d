"""``cpu_per_process.png``: CPU seconds per 1,000 tasks of every process, per scenario.

One group of horizontal bars per scenario (rounds pooled): a bar per process at the median,
a whisker from the lowest to the highest round. The contender's total is the table's
business; the bars show where it goes, next to the broker's and the engine's share.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from tools.bench.cpu_table import TOTAL, CpuRow

matplotlib.use("Agg")

BAR_H = 0.8
GAP = 1.0  # blank bar slots between scenarios


def group(rows: Sequence[CpuRow]) -> dict[str, list[CpuRow]]:
    """Rows by scenario, in table order, without the contender totals."""
    groups: dict[str, list[CpuRow]] = {}
    for row in rows:
        if row.process != TOTAL:
            groups.setdefault(row.scenario, []).append(row)
    return groups


def write_cpu_plot(rows: Sequence[CpuRow], path: Path) -> Path | None:
    groups = group(rows)
    if not groups:
        return None
    processes = list(dict.fromkeys(row.process for bars in groups.values() for row in bars))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = {name: cycle[i % len(cycle)] for i, name in enumerate(processes)}
    slots = sum(len(bars) for bars in groups.values()) + GAP * len(groups)
    figure, axes = plt.subplots(figsize=(10, 1.5 + 0.3 * slots))
    y, ticks, labels, drawn = 0.0, [], [], set()
    for scenario, bars in groups.items():
        ticks.append(y + (len(bars) - 1) / 2)
        labels.append(scenario)
        for row in bars:
            first = row.process not in drawn
            drawn.add(row.process)
            axes.barh(
                y,
                row.median,
                height=BAR_H,
                color=colours[row.process],
                xerr=[[row.median - row.low], [row.high - row.median]],
                capsize=3,
                label=row.process if first else None,
            )
            y += 1
        y += GAP
    axes.set_yticks(ticks, labels)
    axes.invert_yaxis()
    axes.set(xlabel="CPU s per 1,000 tasks (median; whiskers: lowest to highest round)")
    axes.set_title("CPU per process and scenario")
    axes.grid(True, axis="x", alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # clear of the bars
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
