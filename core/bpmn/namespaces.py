"""Namespace URIs of BPMN 2.0, its diagram interchange and the engines' extension dialects,
and helpers that match elements and attributes by URI.

Prefixes are chosen by whoever wrote the file (the corpus binds ``camunda:`` to the legacy
activiti URI and puts BPMN under ``semantic:``, ``bpmn2:`` or the default namespace), so
every lookup here goes through the URI, never through a prefix.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI = "http://activiti.org/bpmn"
OPERATON = "http://operaton.org/schema/1.0/bpmn"

# What the Camunda 7 engine reads: extensions in CAMUNDA, falling back to the legacy ACTIVITI URI.
CAMUNDA_URIS: tuple[str, ...] = (CAMUNDA, ACTIVITI)
# Every dialect whose attributes configure how an engine runs an element (Operaton reads its
# own and Camunda's; Camunda 7 ignores OPERATON, so the converter maps it onto Camunda).
ENGINE_NAMESPACES: tuple[str, ...] = (CAMUNDA, ACTIVITI, OPERATON)


def clark_name(uri: str, local: str) -> str:
    """The tag or attribute name lxml uses for ``local`` in namespace ``uri``: ``{uri}local``."""
    return f"{{{uri}}}{local}"


def bpmn(local: str) -> str:
    """The Clark name of a BPMN model element."""
    return clark_name(BPMN_MODEL, local)


def camunda_tag(local: str) -> str:
    """The Clark name of a Camunda extension element as the converter writes it (camunda URI)."""
    return clark_name(CAMUNDA, local)


def camunda_tags(local: str) -> frozenset[str]:
    """Every Clark name a Camunda extension element may have when read (camunda or activiti URI)."""
    return frozenset(clark_name(uri, local) for uri in CAMUNDA_URIS)


def local_name(element: etree._Element) -> str:
    """``serviceTask`` for a BPMN service task; ``""`` for comments and processing instructions."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace_of(element: etree._Element) -> str:
    """The element's namespace URI; ``""`` for no namespace, comments and processing instructions."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def is_bpmn(element: etree._Element, *names: str) -> bool:
    """A BPMN model element, and one of ``names`` when any are given."""
    return namespace_of(element) == BPMN_MODEL and (not names or local_name(element) in names)


def bpmn_children(element: etree._Element, local: str) -> list[etree._Element]:
    return [child for child in element if is_bpmn(child, local)]


def camunda_children(element: etree._Element, local: str) -> list[etree._Element]:
    """Child elements named ``local`` in either Camunda namespace, in document order."""
    tags = camunda_tags(local)
    return [child for child in element.iterchildren() if child.tag in tags]


def camunda_attribute(element: etree._Element, name: str) -> str | None:
    """An extension attribute as Camunda 7 reads it: camunda URI first, then activiti."""
    return _first_attribute(element, name, CAMUNDA_URIS)


def engine_attribute(element: etree._Element, name: str) -> str | None:
    """An extension attribute in any engine dialect (Camunda first, like the engine)."""
    return _first_attribute(element, name, ENGINE_NAMESPACES)


def _first_attribute(element: etree._Element, name: str, uris: Iterable[str]) -> str | None:
    for uri in uris:
        value = element.get(clark_name(uri, name))
        if value is not None:
            return value
    return None
