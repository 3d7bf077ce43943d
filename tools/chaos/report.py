"""``report.json`` (everything) and ``report.md`` (the tables), and the table in docs/reliability.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.launcher import ROOT

DOCS = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- chaos-report:begin -->", "<!-- chaos-report:end -->"
#: A --cluster run has a table of its own, so the last run of each broker mode stays in the docs.
CLUSTER_BEGIN, CLUSTER_END = "<!-- chaos-report-cluster:begin -->", "<!-- chaos-report-cluster:end -->"
COUNT_LABELS = (
    ("planned", "instances planned"),
    ("started", "instances started"),
    ("completed", "completed"),
    ("incidents", "holding an incident (with its message)"),
    ("lost", "lost"),
    ("bitrix24_tasks", "Bitrix24 tasks created"),
    ("duplicate_bitrix24_tasks", "duplicate Bitrix24 tasks"),
    ("handler_attempts", "handler calls"),
    ("handler_resumed", "handler calls flagged as resumed"),
    ("handler_effects_found_by_lookup", "resumed calls that found their effect (not repeated)"),
    ("handler_effects", "handler effects"),
    ("duplicate_handler_effects", "duplicate handler effects"),
    ("missing_effects", "steps of completed instances without their effect"),
    ("faults_injected", "faults injected"),
)


def write(folder: Path, document: dict[str, Any]) -> str:
    """Both files into ``folder``; returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
    markdown = render(document)
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    return markdown


def render(document: dict[str, Any]) -> str:
    return "\n".join([f"# Chaos run {document['started_at']}", "", *tables(document)]) + "\n"


def tables(document: dict[str, Any]) -> list[str]:
    """The summary line, the fault table and the counts (the part docs/reliability.md shows)."""
    verdict = document["verdict"]
    counts = verdict["counts"]
    lines = [
        f"Seed {document['seed']} · {document['engine']} {document['engine_version']} · broker: "
        f"{document['broker']} · {document['sets']} set(s) of services · {counts['planned']} instances "
        f"({document['people_instances']} with a Bitrix24 people task) · wall time {document['wall_s']:.0f} s · "
        f"verdict: **{'PASS' if verdict['passed'] else 'FAIL'}**",
        "",
        "| # | fault | target | at s | down s | recovery s |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for number, fault in enumerate(document["faults"], start=1):
        note = f" (failed: {fault['error'][:80]})" if fault.get("error") else ""
        lines.append(
            f"| {number} | {fault['kind']}{note} | {fault['target']} | {_num(fault.get('at_s'))} "
            f"| {_num(fault.get('down_s'))} | {_num(fault.get('recovery_s'))} |"
        )
    lines += ["", "| count | value |", "|---|---:|"]
    lines += [f"| {label} | {counts[key]} |" for key, label in COUNT_LABELS]
    if verdict["incident_messages"]:
        lines += ["", "Incident messages:", ""]
        lines += [f"- {n} × {message}" for message, n in verdict["incident_messages"].items()]
    if document.get("unplanned_exits"):
        lines += [
            "",
            f"Services that exited on their own (restarted): {', '.join(document['unplanned_exits'])}",
        ]
    if verdict["failures"]:
        lines += ["", "Failures:", "", *(f"- {failure}" for failure in verdict["failures"])]
    return lines


def write_docs(document: dict[str, Any], docs: Path = DOCS) -> None:
    """Replace the table of the run's broker mode (one node, or a cluster) in docs/reliability.md."""
    start, stop = (CLUSTER_BEGIN, CLUSTER_END) if document["plan"]["cluster"] else (BEGIN, END)
    text = docs.read_text(encoding="utf-8")
    head, begin, rest = text.partition(start)
    _, end, tail = rest.partition(stop)
    if not begin or not end:
        raise ValueError(f"{docs} lacks the markers {start} … {stop}")
    body = "\n".join(
        [f"Last run: {document['started_at']} (`{document['command']}`).", "", *tables(document)]
    )
    docs.write_text(f"{head}{start}\n{body}\n{stop}{tail}", encoding="utf-8")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
