"""Namespace URIs of BPMN 2.0 and its extension dialects, and helpers that match by URI.

Prefixes are chosen by whoever wrote the file (the corpus binds ``camunda:`` to the legacy
activiti URI and puts BPMN under ``semantic:``, ``bpmn2:`` or the default namespace), so
every lookup here goes through the URI, never through a prefix.
"""

from __future__ import annotations

from lxml import etree

BPMN_MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI = "http://activiti.org/bpmn"
OPERATON = "http://operaton.org/schema/1.0/bpmn"

# The Camunda 7 engine reads its extensions from CAMUNDA and falls back to the legacy
# ACTIVITI URI; OPERATON is the fork's own namespace, which Camunda 7 ignores.
CAMUNDA_URIS: tuple[str, ...] = (CAMUNDA, ACTIVITI)


def bpmn(local_name: str) -> str:
    """The Clark name (``{uri}local``) of a BPMN model element."""
    return f"{{{BPMN_MODEL}}}{local_name}"


def camunda(local_name: str) -> frozenset[str]:
    """The Clark names a Camunda extension element may have (camunda or activiti URI)."""
    return frozenset(f"{{{uri}}}{local_name}" for uri in CAMUNDA_URIS)


def local_name(tag: str) -> str:
    """``serviceTask`` for ``{uri}serviceTask``; a tag without namespace is returned as is."""
    return tag.rpartition("}")[2]


def camunda_attribute(element: etree._Element, name: str) -> str | None:
    """A Camunda extension attribute, preferring the camunda URI over activiti like the engine."""
    for uri in CAMUNDA_URIS:
        value = element.get(f"{{{uri}}}{name}")
        if value is not None:
            return value
    return None


def camunda_children(element: etree._Element, local: str) -> list[etree._Element]:
    """Child elements named ``local`` in either Camunda namespace, in document order."""
    tags = camunda(local)
    return [child for child in element.iterchildren() if child.tag in tags]
