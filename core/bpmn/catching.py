"""Which BPMN error codes a process catches, and where.

A BPMN error thrown by an activity is caught, as in the Camunda 7 engine, by the first match
among: the error boundary events attached to the activity, then for each enclosing scope
(innermost first) the error boundary events of that subprocess and the error start events of
the event subprocesses that listen on it. A boundary or start event whose errorEventDefinition
has no errorRef, or refers to a ``bpmn:error`` without errorCode, catches every code; an
errorRef that names no ``bpmn:error`` is taken as the code itself (the engine does the same).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from core.bpmn.elements import xml_bool
from core.bpmn.flow import FlowNode
from core.bpmn.namespaces import bpmn

_ERROR = bpmn("error")
_ERROR_EVENT_DEFINITION = bpmn("errorEventDefinition")
_BOUNDARY_EVENT = bpmn("boundaryEvent")
_START_EVENT = bpmn("startEvent")

# None stands for "every code".
CaughtCode = str | None


def error_codes_by_id(definitions: etree._Element) -> dict[str, str | None]:
    """``bpmn:error`` id → errorCode (None when the error has no code)."""
    return {
        error_id: error.get("errorCode")
        for error in definitions.iterchildren(_ERROR)
        if (error_id := error.get("id"))
    }


@dataclass
class ErrorCatchers:
    """Caught codes by the activity a boundary event is attached to, and by listened scope."""

    by_attached_activity: dict[str, list[CaughtCode]] = field(default_factory=dict)
    by_scope: dict[str, list[CaughtCode]] = field(default_factory=dict)

    def for_node(self, node: FlowNode) -> tuple[tuple[str, ...], bool]:
        """``(caught codes in order of precedence, catches every code)`` for one node."""
        caught = list(self.by_attached_activity.get(node.id, ()))
        for scope_id in reversed(node.scopes):
            caught += self.by_attached_activity.get(scope_id, ())
            caught += self.by_scope.get(scope_id, ())
        codes = tuple(dict.fromkeys(code for code in caught if code is not None))
        return codes, None in caught


def collect_error_catchers(nodes: Iterable[FlowNode], error_codes: dict[str, str | None]) -> ErrorCatchers:
    """Index the error boundary events and error start events among ``nodes``."""
    catchers = ErrorCatchers()
    for node in nodes:
        codes = [_caught_code(d, error_codes) for d in node.element.iterchildren(_ERROR_EVENT_DEFINITION)]
        if not codes:
            continue
        if node.element.tag == _BOUNDARY_EVENT:
            attached_to = node.element.get("attachedToRef")
            if attached_to:
                catchers.by_attached_activity.setdefault(attached_to, []).extend(codes)
        elif node.element.tag == _START_EVENT and _in_event_subprocess(node):
            # scopes[-1] is the event subprocess; it listens on the scope around it.
            catchers.by_scope.setdefault(node.scopes[-2], []).extend(codes)
    return catchers


def _caught_code(definition: etree._Element, error_codes: dict[str, str | None]) -> CaughtCode:
    error_ref = definition.get("errorRef")
    if error_ref is None:
        return None
    # An errorRef that names no bpmn:error is the code itself, as in the engine.
    return error_codes.get(error_ref, error_ref)


def _in_event_subprocess(node: FlowNode) -> bool:
    parent = node.element.getparent()
    return len(node.scopes) > 1 and parent is not None and xml_bool(parent.get("triggeredByEvent")) is True
