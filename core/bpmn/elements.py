"""Small readers for single BPMN elements: text, booleans, documentation, external tasks, loops."""

from __future__ import annotations

from lxml import etree

from core.bpmn.model import MultiInstance
from core.bpmn.namespaces import bpmn, camunda_attribute

_DOCUMENTATION = bpmn("documentation")
_MESSAGE_EVENT_DEFINITION = bpmn("messageEventDefinition")
_MULTI_INSTANCE = bpmn("multiInstanceLoopCharacteristics")
_LOOP_CARDINALITY = bpmn("loopCardinality")
_COMPLETION_CONDITION = bpmn("completionCondition")

# Where the engine honours camunda:type="external": on these tasks themselves ...
_SERVICE_TASK_LIKE = frozenset(bpmn(name) for name in ("serviceTask", "sendTask", "businessRuleTask"))
# ... and on the messageEventDefinition of these events (the event is then the activity).
_MESSAGE_THROW_EVENTS = frozenset(bpmn(name) for name in ("endEvent", "intermediateThrowEvent"))


def text_of(element: etree._Element) -> str:
    """All text inside ``element`` (CDATA included, comments left out), untouched."""
    return "".join(part for part in element.itertext() if isinstance(part, str))


def xml_bool(value: str | None) -> bool | None:
    """An xs:boolean attribute value; None when the attribute is absent."""
    if value is None:
        return None
    return value.strip().lower() in ("true", "1")


def documentation_of(element: etree._Element) -> str | None:
    """The texts of the element's ``bpmn:documentation`` children, trimmed, one per line."""
    texts = (text_of(doc).strip() for doc in element.iterchildren(_DOCUMENTATION))
    return "\n".join(text for text in texts if text) or None


def external_topic(element: etree._Element) -> tuple[bool, str | None]:
    """``(is external, topic)``: whether the engine runs this flow node as an external task."""
    carrier: etree._Element | None = None
    if element.tag in _SERVICE_TASK_LIKE:
        carrier = element
    elif element.tag in _MESSAGE_THROW_EVENTS:
        carrier = element.find(_MESSAGE_EVENT_DEFINITION)
    if carrier is None or camunda_attribute(carrier, "type") != "external":
        return False, None
    return True, camunda_attribute(carrier, "topic")


def multi_instance_of(element: etree._Element) -> MultiInstance | None:
    """The multi-instance loop of an activity, if it has one (expressions kept verbatim)."""
    loop = element.find(_MULTI_INSTANCE)
    if loop is None:
        return None
    return MultiInstance(
        sequential=xml_bool(loop.get("isSequential")) is True,
        collection=camunda_attribute(loop, "collection"),
        element_variable=camunda_attribute(loop, "elementVariable"),
        cardinality=_child_text(loop, _LOOP_CARDINALITY),
        completion_condition=_child_text(loop, _COMPLETION_CONDITION),
    )


def _child_text(element: etree._Element, tag: str) -> str | None:
    child = element.find(tag)
    if child is None:
        return None
    return text_of(child).strip() or None
