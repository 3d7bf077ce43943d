"""Camunda extension elements of one activity: properties, input/output, fields, error mappings.

They live in the activity's ``bpmn:extensionElements``, in the camunda namespace or its
legacy activiti alias (the Operaton namespace is not read: Camunda 7 ignores it).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from core.bpmn.elements import text_of
from core.bpmn.frozen import FrozenDict
from core.bpmn.namespaces import bpmn, camunda_children
from core.bpmn.parameters import parameter_value
from core.errors import BpmnModelError

_EXTENSION_ELEMENTS = bpmn("extensionElements")


@dataclass(frozen=True)
class Extensions:
    """What Exchanger reads from one ``extensionElements`` block."""

    properties: FrozenDict[str, str]
    input_parameters: FrozenDict[str, object]
    output_parameters: FrozenDict[str, object]
    field_injections: FrozenDict[str, str]
    error_expressions: tuple[str, ...]


NO_EXTENSIONS = Extensions(FrozenDict(), FrozenDict(), FrozenDict(), FrozenDict(), ())


def read_extensions(element: etree._Element, source: str) -> Extensions:
    """The Camunda extensions of ``element`` (a flow node), empty when it has none."""
    container = element.find(_EXTENSION_ELEMENTS)
    if container is None:
        return NO_EXTENSIONS
    return Extensions(
        properties=_properties(container),
        input_parameters=_parameters(container, "inputParameter", source),
        output_parameters=_parameters(container, "outputParameter", source),
        field_injections=_fields(container, source),
        error_expressions=_error_expressions(container),
    )


def _properties(container: etree._Element) -> FrozenDict[str, str]:
    found: dict[str, str] = {}
    for group in camunda_children(container, "properties"):
        for prop in camunda_children(group, "property"):
            name = prop.get("name")
            # A nameless property cannot be looked up; modellers leave such stubs behind.
            if name:
                found[name] = prop.get("value", "")
    return FrozenDict(found)


def _parameters(container: etree._Element, kind: str, source: str) -> FrozenDict[str, object]:
    found: dict[str, object] = {}
    for block in camunda_children(container, "inputOutput"):
        for parameter in camunda_children(block, kind):
            found[_required_name(parameter, kind, source)] = parameter_value(parameter, source)
    return FrozenDict(found)


def _fields(container: etree._Element, source: str) -> FrozenDict[str, str]:
    found: dict[str, str] = {}
    for field in camunda_children(container, "field"):
        found[_required_name(field, "field", source)] = _field_value(field)
    return FrozenDict(found)


def _field_value(field: etree._Element) -> str:
    # The engine accepts the value as an attribute or a child element, text kept verbatim.
    for attribute in ("stringValue", "expression"):
        value = field.get(attribute)
        if value is not None:
            return value
    for child_name in ("string", "expression"):
        children = camunda_children(field, child_name)
        if children:
            return text_of(children[0])
    return ""


def _error_expressions(container: etree._Element) -> tuple[str, ...]:
    definitions = camunda_children(container, "errorEventDefinition")
    return tuple(expression for d in definitions if (expression := d.get("expression")) is not None)


def _required_name(element: etree._Element, kind: str, source: str) -> str:
    name = element.get("name")
    if not name:
        raise BpmnModelError(f"{source}: line {element.sourceline}: camunda:{kind} without a 'name'")
    return name
