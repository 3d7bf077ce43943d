"""Walks the flow nodes of a process, descending into subprocesses (which are transparent).

One pre-order pass over the process tree, so nodes come out in document order, each with the
chain of scopes (process, then enclosing subprocesses) it lives in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from core.bpmn.namespaces import bpmn, local_name
from core.errors import BpmnModelError

_SCOPE_NAMES = ("subProcess", "transaction", "adHocSubProcess")
_ACTIVITY_NAMES = (
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "userTask",
    "manualTask",
    "businessRuleTask",
    "scriptTask",
    "callActivity",
    *_SCOPE_NAMES,
)
_EVENT_NAMES = (
    "startEvent",
    "endEvent",
    "intermediateThrowEvent",
    "intermediateCatchEvent",
    "boundaryEvent",
    "implicitThrowEvent",
)
_GATEWAY_NAMES = (
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
)
FLOW_NODE_TAGS = frozenset(bpmn(name) for name in (*_ACTIVITY_NAMES, *_EVENT_NAMES, *_GATEWAY_NAMES))
SCOPE_TAGS = frozenset(bpmn(name) for name in _SCOPE_NAMES)


@dataclass(frozen=True)
class FlowNode:
    """A flow node element with its id and the ids of its enclosing scopes, outermost first."""

    element: etree._Element
    id: str
    scopes: tuple[str, ...]


def walk_flow_nodes(process: etree._Element, process_id: str, source: str) -> Iterator[FlowNode]:
    """Every flow node of ``process`` and of its (nested) subprocesses, in document order."""
    return _walk(process, (process_id,), source)


def _walk(container: etree._Element, scopes: tuple[str, ...], source: str) -> Iterator[FlowNode]:
    for child in container.iterchildren():
        if child.tag not in FLOW_NODE_TAGS:
            continue
        node_id = child.get("id")
        if not node_id:
            raise BpmnModelError(f"{source}: line {child.sourceline}: {local_name(child)} without an id")
        yield FlowNode(child, node_id, scopes)
        if child.tag in SCOPE_TAGS:
            yield from _walk(child, (*scopes, node_id), source)
