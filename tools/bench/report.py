"""``results.json`` (everything, for comparing runs) and ``report.md`` (the tables for people)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.bench import cpu_table, summary, verdicts
from tools.bench.results import ScenarioResult

#: 2: ratios are keyed by shape; targets are verdicts (median, range, rounds, status);
#: the per-process CPU table; every scenario carries its shape.
SCHEMA = "exchanger.bench/2"


def write_outputs(results: Sequence[ScenarioResult], meta: dict[str, Any], folder: Path) -> str:
    """Write both files into ``folder``; returns the Markdown."""
    document = {
        "schema": SCHEMA,
        "meta": meta,
        "summary": summarise(results),
        "scenarios": [r.as_dict() for r in results],
    }
    (folder / "results.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
    markdown = render(results, meta)
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    return markdown


def summarise(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    return {
        "ratios": summary.as_dict(results),
        "targets": [asdict(v) for v in verdicts.judge(results)],
        "cpu_s_per_1k": [asdict(row) for row in cpu_table.rows(results)],
    }


def render(results: Sequence[ScenarioResult], meta: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark {meta.get('started_at', '')} ({meta.get('profile', '')})",
        "",
        f"engine {meta.get('engine_version')} · {meta.get('cpus')} CPUs · commit {meta.get('git_commit')}"
        f"{' (dirty)' if meta.get('git_dirty') else ''} · load average at start {meta.get('load_average')}"
        f" · {meta.get('elapsed_s', '-')} s in all",
        "",
        *scenario_table(results),
        "",
        *(scaling_table(results) if any(r.role == "scaling" for r in results) else ratio_lines(results)),
        "",
        *verdict_lines(verdicts.judge(results)),
        "",
        *cpu_lines(results),
    ]
    return "\n".join(lines) + "\n"


def scenario_table(results: Sequence[ScenarioResult]) -> list[str]:
    rows = [
        "| scenario | mode | tasks | steady tasks/s | e2e p50 / p95 / p99 ms | pickup p50 / p95 / p99 ms "
        "| peak RSS MB per process | CPU s / 1k tasks | engine CPU s / 1k | machine busy |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        rss = ", ".join(f"{p.name} {p.peak_rss_mb:.0f}" for p in r.processes) or "-"
        done = f"{r.tasks_completed}" if r.complete else f"{r.tasks_completed}/{r.tasks_expected} ⚠"
        mode = r.mode if r.pace_tasks_per_s is None else f"paced {r.pace_tasks_per_s:.0f}/s"
        rows.append(
            f"| {r.name} | {mode} | {done} | {r.steady_tasks_per_s:.1f} | {_triple(r.latency_ms)} "
            f"| {_triple(r.pickup_ms)} | {rss} | {_num(r.cpu_s_per_1k)} "
            f"| {_num(r.context.get('engine_cpu_s_per_1k'))} | {_pct(r.context.get('machine_busy_pct'))} |"
        )
    return rows


def scaling_table(results: Sequence[ScenarioResult]) -> list[str]:
    """The suite at each size and creator count, against the parallel raw loop at the same size."""
    limits = {
        r.tasks_expected: r.steady_tasks_per_s for r in results if r.role == "scaling-limit" and r.complete
    }
    rows = [
        "| tasks | creators | suite tasks/s | limit tasks/s | suite / limit | e2e p50 / p95 ms "
        "| pickup p50 ms | largest RSS MB | CPU s / 1k |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in (r for r in results if r.role == "scaling"):
        limit = limits.get(r.tasks_expected)
        share = r.steady_tasks_per_s / limit if limit else None
        latency = f"{_num(_get(r.latency_ms, 'p50'), 0)} / {_num(_get(r.latency_ms, 'p95'), 0)}"
        rows.append(
            f"| {r.tasks_expected} | {r.settings.get('creators', 1)} | {r.steady_tasks_per_s:.1f} "
            f"| {_num(limit)} | {_num(share, 2)} | {latency} | {_num(_get(r.pickup_ms, 'p50'), 0)} "
            f"| {r.peak_rss_mb:.0f} | {_num(r.cpu_s_per_1k)} |"
        )
    return rows


def _get(values: dict[str, float | int] | None, key: str) -> float | None:
    return float(values[key]) if values else None


def ratio_lines(results: Sequence[ScenarioResult]) -> list[str]:
    lines = [
        "| ratio (paired within a round) | shape | median | lowest | highest | rounds |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for shape, found in summary.ratios_by_shape(results).items():
        lines += [
            f"| {name.replace('_', ' ')} | {shape} | {_num(v.median, 2)} | {_num(v.low, 2)} "
            f"| {_num(v.high, 2)} | {v.rounds} |"
            for name, v in found.items()
            if v.rounds
        ]
    return lines


def verdict_lines(found: Sequence[verdicts.Verdict]) -> list[str]:
    """One line per target: what is required, the median [lowest–highest], and the verdict."""
    lines = ["| target | required | measured median [range] | rounds | verdict |", "|---|---|---|---:|---|"]
    for v in found:
        word = {"met": "met", "missed": "**missed**"}.get(v.status, v.status)
        note = f" ({v.note})" if v.note else ""
        lines.append(f"| {v.name} | {v.required} | {_measured(v)} | {v.rounds} | {word}{note} |")
    return lines


def _measured(v: verdicts.Verdict) -> str:
    if v.measured is None:
        return "-"
    text = f"{v.measured:.2f}"
    if v.rounds > 1:
        text += f" [{v.low:.2f}–{v.high:.2f}]"
    return text + (f" at {v.shape}" if v.shape else "")


def cpu_lines(results: Sequence[ScenarioResult]) -> list[str]:
    """CPU s / 1k tasks per process: median over rounds [lowest–highest]."""
    found = cpu_table.rows(results)
    if not found:
        return []
    lines = [
        "| scenario | shape | process | CPU s / 1k tasks, median | range | rounds |",
        "|---|---|---|---:|---:|---:|",
    ]
    for row in found:
        process = f"**{row.process}**" if row.process == cpu_table.TOTAL else row.process
        lines.append(
            f"| {row.scenario} | {row.shape} | {process} | {row.median:.2f} "
            f"| {row.low:.2f}–{row.high:.2f} | {row.rounds} |"
        )
    return lines


def _triple(values: dict[str, float | int] | None) -> str:
    if not values:
        return "-"
    return " / ".join(f"{float(values[k]):.0f}" for k in ("p50", "p95", "p99"))


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"
