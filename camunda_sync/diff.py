"""What changed between the deployed process and a (converted) diagram, element by element."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

from lxml import etree

from camunda_sync.convert.document import load_document
from camunda_sync.convert.extensions import properties_of
from camunda_sync.convert.xmltext import squash, stripped_text
from core.bpmn.namespaces import BPMNDI, bpmn_children, engine_attribute, is_bpmn, local_name


@dataclass(frozen=True)
class ElementView:
    """The parts of an element that matter at run time."""

    kind: str
    name: str
    topic: str
    condition: str
    properties: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        topic = f" topic={self.topic!r}" if self.topic else ""
        return f"{self.kind} {self.name!r}{topic}"


def element_views(xml: bytes) -> dict[str, ElementView]:
    doc = load_document(xml, source="diff")
    views: dict[str, ElementView] = {}
    for process in doc.processes:
        for element in process.iter():
            ident = element.get("id") if isinstance(element.tag, str) else None
            if ident and is_bpmn(element) and local_name(element) not in ("laneSet", "lane"):
                views[ident] = _view(element)
    return views


def _view(element: etree._Element) -> ElementView:
    condition = " ".join(stripped_text(c) for c in bpmn_children(element, "conditionExpression"))
    return ElementView(
        kind=local_name(element),
        name=squash(element.get("name")),
        topic=engine_attribute(element, "topic") or "",
        condition=condition,
        properties=tuple(sorted(properties_of(element).items())),
    )


def layout_digest(xml: bytes) -> str:
    doc = load_document(xml, source="diff")
    diagrams = [etree.tostring(d, method="c14n") for d in doc.root.iter(f"{{{BPMNDI}}}BPMNDiagram")]
    return hashlib.sha256(b"".join(diagrams)).hexdigest()


def diff_models(deployed: bytes, new: bytes) -> list[str]:
    """Human-readable changes from ``deployed`` to ``new``; empty when they run the same."""
    old_views, new_views = element_views(deployed), element_views(new)
    lines = [
        f"+ {ident}: {new_views[ident].describe()}" for ident in sorted(new_views.keys() - old_views.keys())
    ]
    lines += [
        f"- {ident}: {old_views[ident].describe()}" for ident in sorted(old_views.keys() - new_views.keys())
    ]
    for ident in sorted(old_views.keys() & new_views.keys()):
        changes = _changes(old_views[ident], new_views[ident])
        if changes:
            lines.append(f"~ {ident}: {'; '.join(changes)}")
    if layout_digest(deployed) != layout_digest(new):
        lines.append("~ diagram layout changed")
    return lines


def _changes(old: ElementView, new: ElementView) -> list[str]:
    changes = []
    for field_name in ("kind", "name", "topic", "condition"):
        before, after = getattr(old, field_name), getattr(new, field_name)
        if before != after:
            changes.append(f"{field_name} {before!r} → {after!r}")
    if old.properties != new.properties:
        changes.append(f"properties {dict(old.properties)} → {dict(new.properties)}")
    return changes


def unified_diff(deployed: bytes, new: bytes, *, name: str) -> list[str]:
    before = deployed.decode("utf-8", "replace").splitlines()
    after = new.decode("utf-8", "replace").splitlines()
    return list(difflib.unified_diff(before, after, f"deployed/{name}", f"diagram/{name}", lineterm=""))
