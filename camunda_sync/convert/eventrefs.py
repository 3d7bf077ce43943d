"""Event definitions the engine cannot run without a reference: messages, signals, escalations, links.

Modellers often leave these out. A missing reference gets a root element named after the
event (events with the same label share it, so a throw and a catch still meet), and a link
without a name takes its event's label.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from camunda_sync.config.models import ConverterSettings
from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.xmltext import squash
from core.bpmn.namespaces import bpmn, is_bpmn, local_name

THROWING = ("intermediateThrowEvent", "endEvent")
CATCHING = ("startEvent", "intermediateCatchEvent", "boundaryEvent")


@dataclass(frozen=True)
class RefKind:
    definition: str  # the event definition's element name
    attribute: str  # its reference attribute
    target: str  # the root element it refers to
    events: tuple[str, ...]  # events on which the engine insists on the reference


KINDS = (
    # A throwing message event without a message runs as a "none" event, so only catching ones.
    RefKind("messageEventDefinition", "messageRef", "message", CATCHING),
    RefKind("signalEventDefinition", "signalRef", "signal", CATCHING + THROWING),
    # A catching escalation or error without a reference catches every one.
    RefKind("escalationEventDefinition", "escalationRef", "escalation", THROWING),
    RefKind("errorEventDefinition", "errorRef", "error", ("endEvent",)),
)


def fill_event_refs(doc: BpmnDocument, settings: ConverterSettings, report: ConversionReport) -> None:
    if not settings.fill_event_refs:
        return
    for kind in KINDS:
        for definition in list(doc.root.iter(bpmn(kind.definition))):
            event = definition.getparent()
            if event is not None and local_name(event) in kind.events:
                _fill(doc, kind, definition, event, report)
    _name_links(doc, report)


def _fill(
    doc: BpmnDocument,
    kind: RefKind,
    definition: etree._Element,
    event: etree._Element,
    report: ConversionReport,
) -> None:
    label = squash(event.get("name")) or str(event.get("id"))
    target = doc.by_id(definition.get(kind.attribute))
    if target is not None:
        if not target.get("name"):
            target.set("name", label)
            report.change(kind.target, target.get("id"), f"{kind.target} without a name named {label!r}")
        return
    target = _find_or_create(doc, kind, label)
    definition.set(kind.attribute, target.get("id") or "")
    report.change(kind.target, event.get("id"), f"{local_name(event)} now refers to {kind.target} {label!r}")


def _find_or_create(doc: BpmnDocument, kind: RefKind, label: str) -> etree._Element:
    for existing in doc.root:
        if is_bpmn(existing, kind.target) and existing.get("name") == label:
            return existing
    prefix = kind.target.capitalize()
    created = etree.Element(bpmn(kind.target), id=doc.new_id(f"{prefix}_{_slug(label)}"), name=label)
    if kind.target in ("escalation", "error"):
        created.set(f"{kind.target}Code", label)
    _insert_root_element(doc, created)
    doc.register(created)
    return created


def _slug(label: str) -> str:
    slug = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_-") else "_" for ch in label).strip("_")
    return slug[:40] or "ref"


def _insert_root_element(doc: BpmnDocument, element: etree._Element) -> None:
    """Before the first collaboration/process, where root elements such as messages belong."""
    anchor = next((c for c in doc.root if is_bpmn(c, "collaboration", "process")), None)
    if anchor is None:
        doc.root.append(element)
        return
    before = anchor.getprevious()
    indent = before.tail if before is not None else doc.root.text
    anchor.addprevious(element)
    element.tail = indent


def _name_links(doc: BpmnDocument, report: ConversionReport) -> None:
    for definition in doc.root.iter(bpmn("linkEventDefinition")):
        event = definition.getparent()
        if definition.get("name") or event is None:
            continue
        label = squash(event.get("name")) or str(event.get("id"))
        definition.set("name", label)
        report.change("link", event.get("id"), f"link event named {label!r}")
        if not event.get("name"):
            report.warn(
                "link", event.get("id"), "unlabelled link event: it only meets a link with the same name"
            )
