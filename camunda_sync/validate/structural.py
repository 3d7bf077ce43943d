"""Structural checks of a BPMN file: references, layout, and what the engine will refuse."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from camunda_sync.convert.document import BpmnDocument, load_document
from camunda_sync.convert.xmltext import line_of
from camunda_sync.errors import BpmnRefused
from camunda_sync.validate.engine_rules import check_process
from camunda_sync.validate.issues import Issue
from core.bpmn.namespaces import BPMNDI, bpmn

FLOW_REFS = ("sourceRef", "targetRef")


def check_structure(data: bytes, *, source: str = "<bpmn>") -> list[Issue]:
    """All structural issues of ``data``; a file that cannot be read gives one error."""
    try:
        doc = load_document(data, source=source)
    except BpmnRefused as err:
        return [refusal_issue(err)]
    return check_document(doc)


def refusal_issue(err: BpmnRefused) -> Issue:
    return Issue("error", "structure", str(err), line=err.line)


def check_document(doc: BpmnDocument) -> list[Issue]:
    return list(_document_issues(doc))


def _document_issues(doc: BpmnDocument) -> Iterator[Issue]:
    executable = [p for p in doc.processes if p.get("isExecutable") == "true"]
    if not doc.processes:
        yield Issue("error", "structure", "the file has no process")
    elif not executable:
        yield Issue(
            "error", "structure", 'no process has isExecutable="true": the engine would deploy nothing'
        )
    for process in executable:
        yield from check_process(doc, process)
        yield from _flow_refs(doc, process)
    yield from _diagram(doc)


def _flow_refs(doc: BpmnDocument, process: etree._Element) -> Iterator[Issue]:
    for flow in process.iter(bpmn("sequenceFlow")):
        for attribute in FLOW_REFS:
            if doc.by_id(flow.get(attribute)) is None:
                yield Issue(
                    "error",
                    "structure",
                    f"{attribute} {flow.get(attribute)!r} points at no element",
                    flow.get("id"),
                    line_of(flow),
                )


def _diagram(doc: BpmnDocument) -> Iterator[Issue]:
    if not doc.has_diagram():
        yield Issue("warning", "structure", "no diagram layout (BPMNDiagram)")
        return
    for shape in doc.root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge", f"{{{BPMNDI}}}BPMNPlane"):
        ref = shape.get("bpmnElement")
        if ref and doc.by_id(ref) is None:
            # The engine ignores the diagram, so this only hurts the modeller: a warning.
            yield Issue(
                "warning",
                "structure",
                f"diagram element {shape.get('id')!r} draws {ref!r}, which does not exist",
                shape.get("id"),
                line_of(shape),
            )
