"""BPMN 2.0 → executable Camunda 7 BPMN (external tasks), with a report of every change."""

from camunda_sync.convert.document import BpmnDocument, load_document
from camunda_sync.convert.pipeline import ConversionOptions, ConversionResult, convert_bpmn
from camunda_sync.convert.report import ConversionReport, ReportEntry

__all__ = [
    "BpmnDocument",
    "ConversionOptions",
    "ConversionReport",
    "ConversionResult",
    "ReportEntry",
    "convert_bpmn",
    "load_document",
]
