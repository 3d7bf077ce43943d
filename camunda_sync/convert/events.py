"""Timers the modeller left empty get a duration from their label."""

from __future__ import annotations

from lxml import etree

from camunda_sync.config.models import ConverterSettings
from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.durations import duration_from_label
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.xmltext import squash
from core.bpmn.namespaces import BPMN_MODEL, XSI, bpmn, is_bpmn

TIMER_PARTS = ("timeDate", "timeDuration", "timeCycle")


def fill_empty_timers(doc: BpmnDocument, settings: ConverterSettings, report: ConversionReport) -> None:
    if not settings.timers.fill_empty:
        return
    for definition in list(doc.root.iter(bpmn("timerEventDefinition"))):
        if any(is_bpmn(child, *TIMER_PARTS) for child in definition):
            continue
        event = definition.getparent()
        label = squash(event.get("name")) if event is not None else ""
        found = duration_from_label(label)
        duration = found.iso if found else settings.timers.default_duration
        _add_duration(definition, duration)
        event_id = event.get("id") if event is not None else definition.get("id")
        note = f"read from {found.source!r}" if found else "the configured default"
        report.change("timer", event_id, f"empty timer {label!r} now waits {duration} ({note})")
        if found is None:
            report.warn(
                "timer", event_id, f"timer {label!r} gives no duration; it waits the default {duration}"
            )
        elif found.estimate:
            report.warn(
                "timer", event_id, f"timer {label!r}: working days estimated as {duration} calendar days"
            )


def _add_duration(definition: etree._Element, duration: str) -> None:
    part = etree.SubElement(definition, bpmn("timeDuration"))
    prefix = next((p for p, uri in (definition.nsmap or {}).items() if uri == BPMN_MODEL), None)
    part.set(f"{{{XSI}}}type", f"{prefix}:tFormalExpression" if prefix else "tFormalExpression")
    part.text = duration
