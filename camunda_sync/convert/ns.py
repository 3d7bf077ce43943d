"""Namespace URIs and small helpers that match BPMN elements by URI, never by prefix."""

from __future__ import annotations

from lxml import etree

from core.bpmn.namespaces import ACTIVITI, BPMN_MODEL, CAMUNDA, OPERATON

BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Namespaces whose attributes configure how the engine runs an element (Camunda reads the
# first two; Operaton reads its own and Camunda's; the converter maps Operaton onto Camunda).
ENGINE_NAMESPACES: tuple[str, ...] = (CAMUNDA, ACTIVITI, OPERATON)

__all__ = ["ACTIVITI", "BPMNDI", "BPMN_MODEL", "CAMUNDA", "DC", "DI", "ENGINE_NAMESPACES", "OPERATON", "XSI"]


def bpmn(local: str) -> str:
    return f"{{{BPMN_MODEL}}}{local}"


def cam(local: str) -> str:
    return f"{{{CAMUNDA}}}{local}"


def di(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def local_name(element: etree._Element) -> str:
    """``serviceTask`` for a BPMN service task; ``""`` for comments and processing instructions."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace_of(element: etree._Element) -> str:
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def is_bpmn(element: etree._Element, *names: str) -> bool:
    return namespace_of(element) == BPMN_MODEL and (not names or local_name(element) in names)


def engine_attribute(element: etree._Element, name: str) -> str | None:
    """An engine extension attribute in any engine namespace (Camunda first, like the engine)."""
    for uri in ENGINE_NAMESPACES:
        value = element.get(f"{{{uri}}}{name}")
        if value is not None:
            return value
    return None


def bpmn_children(element: etree._Element, local: str) -> list[etree._Element]:
    return [child for child in element if is_bpmn(child, local)]


def text_of(element: etree._Element | None) -> str:
    return "".join(str(text) for text in element.itertext()).strip() if element is not None else ""


def line_of(element: etree._Element) -> int | None:
    """The source line of ``element`` (None for elements the converter created)."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None


def attribute_names(element: etree._Element) -> list[str]:
    return [key if isinstance(key, str) else key.decode() for key in element.attrib]


def squash(text: str | None) -> str:
    """Whitespace (line breaks, no-break spaces) collapsed to single spaces."""
    return " ".join((text or "").split())
