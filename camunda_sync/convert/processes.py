"""Which process becomes executable, and the process-level attributes the engine needs."""

from __future__ import annotations

import re

from lxml import etree

from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.xmltext import squash
from camunda_sync.errors import BpmnRefused
from core.bpmn.namespaces import ACTIVITI, BPMNDI, CAMUNDA, camunda_tag, engine_attribute, is_bpmn

NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def choose_process(doc: BpmnDocument, requested: str | None = None) -> etree._Element:
    """The process to make executable.

    An explicit id or (participant) name wins; then the first process already marked
    executable; then the one with the most flow nodes (the main pool, not a helper pool).
    """
    processes = doc.processes
    if not processes:
        raise BpmnRefused(f"{doc.source}: the file has no <process>: nothing to execute")
    if requested:
        return _find_requested(doc, processes, requested)
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    if executable:
        return executable[0]
    sizes = [sum(1 for _ in doc.flow_nodes(p)) for p in processes]
    return processes[sizes.index(max(sizes))]


def _find_requested(doc: BpmnDocument, processes: list[etree._Element], requested: str) -> etree._Element:
    for process in processes:
        participant = doc.participant_of(process)
        names = {process.get("id"), squash(process.get("name"))}
        if participant is not None:
            names.add(squash(participant.get("name")))
        if requested in names or squash(requested) in names:
            return process
    known = ", ".join(str(p.get("id")) for p in processes)
    raise BpmnRefused(f"{doc.source}: no process {requested!r}; the file has: {known}")


def is_camunda_executable(doc: BpmnDocument) -> bool:
    """Already made for Camunda: declares its namespace and has an executable process."""
    declared = any(uri in (CAMUNDA, ACTIVITI) for el in doc.root.iter() for uri in (el.nsmap or {}).values())
    return declared and any(p.get("isExecutable") == "true" for p in doc.processes)


def make_executable(doc: BpmnDocument, process: etree._Element, report: ConversionReport) -> None:
    ident = process.get("id")
    if process.get("isExecutable") != "true":
        process.set("isExecutable", "true")
        report.change("process", ident, 'isExecutable="true"')


def name_process(
    doc: BpmnDocument, process: etree._Element, name: str | None, report: ConversionReport
) -> None:
    """Give an unnamed process the given name, else its pool's name (Cockpit shows it)."""
    if process.get("name"):
        return
    participant = doc.participant_of(process)
    chosen = name or (squash(participant.get("name")) if participant is not None else "")
    if chosen:
        process.set("name", chosen)
        report.change("process", process.get("id"), f"name={chosen!r}")


def add_history_ttl(doc: BpmnDocument, ttl: str, report: ConversionReport) -> None:
    """Engines since 7.20 refuse executable processes without a history time to live."""
    for process in doc.processes:
        if process.get("isExecutable") == "true" and engine_attribute(process, "historyTimeToLive") is None:
            process.set(camunda_tag("historyTimeToLive"), ttl)
            report.change("process", process.get("id"), f'camunda:historyTimeToLive="{ttl}"')


def rename_process(doc: BpmnDocument, process: etree._Element, new_id: str, report: ConversionReport) -> None:
    """Change the process id (the definition key) and every reference to it."""
    old_id = process.get("id")
    if not new_id or new_id == old_id:
        return
    if not NCNAME.match(new_id):
        raise BpmnRefused(f"process id {new_id!r} is not a valid XML id (letters, digits, _ . -)")
    if doc.by_id(new_id) is not None:
        raise BpmnRefused(f"process id {new_id!r} is already used by another element")
    process.set("id", new_id)
    for participant in doc.participants:
        if participant.get("processRef") == old_id:
            participant.set("processRef", new_id)
    for plane in doc.root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        if plane.get("bpmnElement") == old_id:
            plane.set("bpmnElement", new_id)
    doc.reindex()
    report.change("process", new_id, f"process id {old_id!r} → {new_id!r} (the definition key)")


def drop_imports(doc: BpmnDocument, report: ConversionReport) -> None:
    """``bpmn:import`` points at modeller-side files (glossaries) the engine cannot load."""
    for element in [child for child in doc.root if is_bpmn(child, "import")]:
        doc.root.remove(element)
        report.change(
            "import",
            None,
            f"removed <import location={element.get('location')!r}>: the engine cannot load it",
        )
