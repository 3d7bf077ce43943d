"""Values of ``camunda:inputParameter`` / ``camunda:outputParameter``, read as the engine reads them.

A parameter holds either text (an expression or constant, trimmed; empty means null) or one
nested ``camunda:list``, ``camunda:map`` or ``camunda:script``. Lists hold ``camunda:value``
items or further lists and maps; maps hold ``camunda:entry key="..."`` elements.
"""

from __future__ import annotations

from lxml import etree

from core.bpmn.elements import text_of
from core.bpmn.frozen import FrozenDict
from core.bpmn.namespaces import camunda_tags
from core.errors import BpmnModelError

_LIST = camunda_tags("list")
_MAP = camunda_tags("map")
_SCRIPT = camunda_tags("script")
_ENTRY = camunda_tags("entry")


def parameter_value(parameter: etree._Element, source: str) -> object:
    """The value of a parameter (or map entry) element: its only child, else its text."""
    children = _child_elements(parameter)
    if not children:
        return _text_value(parameter)
    if len(children) > 1:
        raise BpmnModelError(f"{_where(parameter, source)}: a parameter can hold at most one nested element")
    return _nested_value(children[0], source)


def _nested_value(element: etree._Element, source: str) -> object:
    if element.tag in _LIST:
        return [_nested_value(item, source) for item in _child_elements(element)]
    if element.tag in _MAP:
        return _map_value(element, source)
    if element.tag in _SCRIPT:
        return FrozenDict({"script": _script_value(element)})
    return _text_value(element)


def _map_value(element: etree._Element, source: str) -> FrozenDict[str, object]:
    entries: dict[str, object] = {}
    for entry in _child_elements(element):
        if entry.tag not in _ENTRY:
            continue
        key = entry.get("key")
        if not key:
            raise BpmnModelError(f"{_where(entry, source)}: camunda:entry without a 'key' attribute")
        entries[key] = parameter_value(entry, source)
    return FrozenDict(entries)


def _script_value(element: etree._Element) -> FrozenDict[str, str | None]:
    script_format = element.get("scriptFormat")
    resource = element.get("resource")
    # The engine prefers an external resource over inline source, so report only one of them.
    if resource:
        return FrozenDict({"format": script_format, "resource": resource})
    return FrozenDict({"format": script_format, "value": text_of(element)})


def _text_value(element: etree._Element) -> str | None:
    text = text_of(element).strip()
    return text or None


def _child_elements(element: etree._Element) -> list[etree._Element]:
    # Comments and processing instructions are nodes too, but never values.
    return [child for child in element.iterchildren() if isinstance(child.tag, str)]


def _where(element: etree._Element, source: str) -> str:
    return f"{source}: line {element.sourceline}"
