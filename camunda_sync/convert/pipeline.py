"""``convert_bpmn``: any BPMN 2.0 file in, executable Camunda 7 BPMN and a report out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from camunda_sync.config.models import ConverterSettings
from camunda_sync.convert.conditions import add_conditions
from camunda_sync.convert.document import BpmnDocument, load_document
from camunda_sync.convert.eventrefs import fill_event_refs
from camunda_sync.convert.events import fill_empty_timers
from camunda_sync.convert.layout import check_layout
from camunda_sync.convert.nsfix import (
    ensure_namespaces,
    map_engine_namespaces,
    uses_foreign_engine_namespaces,
)
from camunda_sync.convert.processes import (
    add_history_ttl,
    choose_process,
    drop_imports,
    is_camunda_executable,
    make_executable,
    name_process,
    rename_process,
)
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.system_answers import SystemAnswers
from camunda_sync.convert.tasks import convert_tasks
from camunda_sync.storm.models import Assignee
from core.bpmn.namespaces import engine_attribute
from core.config.models import RoutingRule


@dataclass(frozen=True)
class ConversionOptions:
    process: str | None = None  # which process to make executable: id, name or pool name
    process_id: str | None = None  # new id (definition key) for that process
    process_name: str | None = None  # name for it when it has none
    assignees: Mapping[str, Sequence[Assignee]] = field(default_factory=dict)
    # Exchanger's routing: yes/no gateways then test the answer variable of the routed system.
    routing: Sequence[RoutingRule] | None = None
    tenant_id: str | None = None


@dataclass(frozen=True)
class ConversionResult:
    xml: bytes
    report: ConversionReport
    changed: bool


def convert_bpmn(
    data: bytes,
    settings: ConverterSettings,
    options: ConversionOptions | None = None,
    *,
    source: str = "<bpmn>",
) -> ConversionResult:
    """Convert ``data``; raises :class:`~camunda_sync.errors.BpmnRefused` with the reason."""
    options = options or ConversionOptions()
    doc = load_document(data, source=source)
    report = ConversionReport(source)
    process = choose_process(doc, options.process)
    if is_camunda_executable(doc) and process.get("isExecutable") == "true":
        return _pass_through(doc, settings, report)
    ensure_namespaces(doc, report)
    map_engine_namespaces(doc, report)
    drop_imports(doc, report)
    make_executable(doc, process, report)
    if options.process_id:
        rename_process(doc, process, options.process_id, report)
    name_process(doc, process, options.process_name, report)
    add_history_ttl(doc, settings.history_ttl, report)
    convert_tasks(doc, settings, options.assignees, report)
    fill_empty_timers(doc, settings, report)
    fill_event_refs(doc, settings, report)
    answers = SystemAnswers(options.routing, options.tenant_id) if options.routing is not None else None
    for each in doc.processes:
        add_conditions(doc, each, settings, report, answers)
    return _finish(doc, report)


def _pass_through(
    doc: BpmnDocument, settings: ConverterSettings, report: ConversionReport
) -> ConversionResult:
    """Already executable Camunda BPMN: only what the engines insist on is changed.

    That is a history time to live, and legacy activiti / operaton attributes rewritten into
    the camunda namespace (Operaton does not read activiti, Camunda does not read operaton).
    """
    report.mode = "passthrough"
    if uses_foreign_engine_namespaces(doc):
        ensure_namespaces(doc, report)
        map_engine_namespaces(doc, report)
    add_history_ttl(doc, settings.history_ttl, report)
    if not report.changes:
        _review(doc, report)
        return ConversionResult(doc.original, report, changed=False)
    return _finish(doc, report)


def _finish(doc: BpmnDocument, report: ConversionReport) -> ConversionResult:
    _review(doc, report)
    return ConversionResult(serialize(doc), report, changed=True)


def _review(doc: BpmnDocument, report: ConversionReport) -> None:
    report.executable_processes = [str(p.get("id")) for p in doc.processes if p.get("isExecutable") == "true"]
    check_layout(doc, report)
    check_topics(doc, report)


def check_topics(doc: BpmnDocument, report: ConversionReport) -> None:
    for element in doc.root.iter():
        if not isinstance(element.tag, str) or engine_attribute(element, "type") != "external":
            continue
        topic = engine_attribute(element, "topic")
        owner = element.getparent() if element.get("id") is None else element
        ident = owner.get("id") if owner is not None else None
        if not topic:
            report.warn("topic", ident, "external task without a topic: the engine refuses the deployment")
        elif "${" in topic or "#{" in topic:
            report.warn(
                "topic",
                ident,
                f"topic {topic!r} is an expression: the engine resolves it per instance, and the worker "
                "fetches only configured topics, so it must yield one of them",
            )


def serialize(doc: BpmnDocument) -> bytes:
    """UTF-8 with an XML declaration, comments around the root kept, a final newline."""
    tree = doc.root.getroottree()
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8")) + b"\n"
