"""Diagram interchange (DI): checks that every element is drawn, and room for a new task."""

from __future__ import annotations

import itertools
import math

from lxml import etree

from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.report import ConversionReport
from core.bpmn.namespaces import BPMNDI, DC, DI, local_name

TASK_WIDTH, TASK_HEIGHT = 100.0, 80.0
Point = tuple[float, float]


def check_layout(doc: BpmnDocument, report: ConversionReport) -> None:
    """Warn about a missing diagram, undrawn flow nodes, and shapes of elements that do not exist."""
    if not doc.has_diagram():
        report.warn(
            "layout", None, "the file has no diagram layout (BPMNDiagram); modellers will lay it out anew"
        )
        return
    drawn = doc.di_elements()
    for process in doc.processes:
        if process.get("isExecutable") != "true":
            continue
        missing = [str(node.get("id")) for node in doc.flow_nodes(process) if node.get("id") not in drawn]
        if missing:
            report.warn(
                "layout", process.get("id"), f"no shape for {len(missing)} element(s): {', '.join(missing)}"
            )
    dangling = sorted(ref for ref in drawn if doc.by_id(ref) is None)
    if dangling:
        report.warn("layout", None, f"shapes point at missing elements: {', '.join(dangling)}")


def split_edge(doc: BpmnDocument, flow_id: str, task_id: str, new_flow_id: str) -> bool:
    """Draw a new task in the middle of the edge of ``flow_id`` and split the edge around it.

    The old edge now ends at the task; a new edge for ``new_flow_id`` runs from the task to
    where the old one ended. Returns False when the flow has no edge to split.
    """
    edge = next((e for e in doc.di_elements().get(flow_id, []) if local_name(e) == "BPMNEdge"), None)
    if edge is None:
        return False
    waypoints = [w for w in edge if w.tag == f"{{{DI}}}waypoint"]
    points = [(float(w.get("x") or 0), float(w.get("y") or 0)) for w in waypoints]
    if len(points) < 2:
        return False
    index, center, direction = _midpoint(points)
    entry, leave = _boundary(center, direction)
    shape = etree.Element(f"{{{BPMNDI}}}BPMNShape", id=f"{task_id}_di", bpmnElement=task_id)
    etree.SubElement(
        shape,
        f"{{{DC}}}Bounds",
        x=_num(center[0] - TASK_WIDTH / 2),
        y=_num(center[1] - TASK_HEIGHT / 2),
        width=_num(TASK_WIDTH),
        height=_num(TASK_HEIGHT),
    )
    new_edge = etree.Element(f"{{{BPMNDI}}}BPMNEdge", id=f"{new_flow_id}_di", bpmnElement=new_flow_id)
    for x, y in [leave, *points[index + 1 :]]:
        etree.SubElement(new_edge, f"{{{DI}}}waypoint", x=_num(x), y=_num(y))
    for waypoint in waypoints[index + 1 :]:
        edge.remove(waypoint)
    waypoints[index].addnext(_waypoint(entry))
    edge.addprevious(shape)
    edge.addnext(new_edge)
    shape.tail = new_edge.tail = edge.tail
    return True


def _midpoint(points: list[Point]) -> tuple[int, Point, Point]:
    """Segment index, point and unit direction halfway along the polyline."""
    lengths = [math.dist(a, b) for a, b in itertools.pairwise(points)]
    remaining = sum(lengths) / 2
    for index, length in enumerate(lengths):
        if remaining <= length and length > 0:
            (ax, ay), (bx, by) = points[index], points[index + 1]
            dx, dy = (bx - ax) / length, (by - ay) / length
            return index, (ax + dx * remaining, ay + dy * remaining), (dx, dy)
        remaining -= length
    return 0, points[0], (1.0, 0.0)


def _boundary(center: Point, direction: Point) -> tuple[Point, Point]:
    """Where a line through the task's centre in ``direction`` enters and leaves its box."""
    dx, dy = direction
    reach = min(
        (TASK_WIDTH / 2) / abs(dx) if dx else math.inf,
        (TASK_HEIGHT / 2) / abs(dy) if dy else math.inf,
    )
    cx, cy = center
    return (cx - dx * reach, cy - dy * reach), (cx + dx * reach, cy + dy * reach)


def _waypoint(point: Point) -> etree._Element:
    return etree.Element(f"{{{DI}}}waypoint", x=_num(point[0]), y=_num(point[1]))


def _num(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 1e-6 else f"{value:.1f}"
