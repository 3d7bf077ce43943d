"""What the Camunda 7 / Operaton parser refuses, checked before asking the engine.

Each check yields issues for the executable processes only; the engine ignores the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.xmltext import line_of
from camunda_sync.validate.issues import Issue
from core.bpmn.namespaces import bpmn, bpmn_children, engine_attribute, is_bpmn, local_name

SERVICE_LIKE = ("serviceTask", "sendTask", "businessRuleTask")
IMPLEMENTATIONS = ("class", "expression", "delegateExpression", "type")
REQUIRED_REFS = (
    ("messageEventDefinition", "messageRef", ("startEvent", "intermediateCatchEvent", "boundaryEvent")),
    ("signalEventDefinition", "signalRef", None),
    ("escalationEventDefinition", "escalationRef", ("intermediateThrowEvent", "endEvent")),
    ("errorEventDefinition", "errorRef", ("endEvent",)),
)


def _error(element: etree._Element, message: str) -> Issue:
    owner = element if element.get("id") else element.getparent()
    ident = owner.get("id") if owner is not None else None
    return Issue("error", "structure", message, element_id=ident, line=line_of(element))


def check_process(doc: BpmnDocument, process: etree._Element) -> Iterator[Issue]:
    if engine_attribute(process, "historyTimeToLive") is None:
        yield _error(process, "no camunda:historyTimeToLive: engines since 7.20 refuse the deployment")
    if not bpmn_children(process, "startEvent"):
        yield _error(process, "the process has no start event")
    for element in process.iter():
        if isinstance(element.tag, str) and is_bpmn(element):
            yield from _check_element(doc, element)
    yield from _check_gateways(process)


def _check_element(doc: BpmnDocument, element: etree._Element) -> Iterator[Issue]:
    kind = local_name(element)
    if engine_attribute(element, "type") == "external":
        topic = engine_attribute(element, "topic")
        if not topic:
            yield _error(element, "external task without camunda:topic: the engine refuses it")
        elif "${" in topic or "#{" in topic:
            yield Issue(
                "warning", "structure", f"expression topic {topic!r}", element.get("id"), line_of(element)
            )
    elif kind in SERVICE_LIKE and _unimplemented(element):
        yield _error(element, f"{kind} without class, expression, delegateExpression or external type")
    if kind == "callActivity" and not (element.get("calledElement") or engine_attribute(element, "caseRef")):
        yield _error(element, "call activity without calledElement: nothing to call")
    if kind == "timerEventDefinition" and not any(
        is_bpmn(child, "timeDate", "timeDuration", "timeCycle") for child in element
    ):
        yield _error(element, "timer without timeDate, timeDuration or timeCycle")
    if kind == "linkEventDefinition" and not element.get("name"):
        yield _error(element, "link event without a name")
    if kind == "multiInstanceLoopCharacteristics" and not _has_cardinality(element):
        yield _error(element, "multi-instance without loopCardinality or collection: how many instances?")
    yield from _check_refs(doc, element, kind)


def _unimplemented(element: etree._Element) -> bool:
    if any(engine_attribute(element, name) for name in IMPLEMENTATIONS):
        return False
    if local_name(element) == "businessRuleTask" and engine_attribute(element, "decisionRef"):
        return False
    return not any(
        local_name(child) == "connector"
        for ext in bpmn_children(element, "extensionElements")
        for child in ext
    )


def _has_cardinality(element: etree._Element) -> bool:
    return bool(
        bpmn_children(element, "loopCardinality")
        or bpmn_children(element, "loopDataInputRef")
        or engine_attribute(element, "collection")
    )


def _check_refs(doc: BpmnDocument, element: etree._Element, kind: str) -> Iterator[Issue]:
    for definition, attribute, events in REQUIRED_REFS:
        if kind != definition:
            continue
        event = element.getparent()
        if events is not None and (event is None or local_name(event) not in events):
            continue
        if doc.by_id(element.get(attribute)) is None:
            yield _error(element, f"{definition} without a valid {attribute}")


def _check_gateways(process: etree._Element) -> Iterator[Issue]:
    flows = list(process.iter(bpmn("sequenceFlow")))
    for gateway in process.iter(bpmn("exclusiveGateway")):
        outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        default = gateway.get("default")
        for flow in outgoing:
            conditioned = bool(bpmn_children(flow, "conditionExpression"))
            if flow.get("id") == default and conditioned:
                yield _error(flow, f"default flow of gateway {gateway.get('id')} has a condition")
            elif len(outgoing) > 1 and not conditioned and flow.get("id") != default:
                yield _error(
                    flow,
                    f"gateway without conditions: flow out of exclusive gateway {gateway.get('id')} "
                    "has no condition and is not the default flow",
                )
