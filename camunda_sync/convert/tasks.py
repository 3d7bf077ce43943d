"""Activities that people or systems perform become external tasks with a topic.

``task``/``userTask``/``manualTask``/``scriptTask``, StormBPMN's call activities without
``calledElement`` and empty (collapsed, never modelled) subprocesses turn into ``serviceTask``; ``sendTask``, ``businessRuleTask`` and bare
``serviceTask`` keep their tag, since Camunda runs those as external tasks directly. An
activity that already has an implementation (class, expression, connector, called element,
decision, script) is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lxml import etree

from camunda_sync.config.models import ConverterSettings
from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.extensions import add_properties
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.rules import ActivityFacts, place
from camunda_sync.convert.xmltext import attribute_names, squash, stripped_text
from camunda_sync.storm.models import Assignee
from core.bpmn.namespaces import (
    ACTIVITI,
    CAMUNDA,
    ENGINE_NAMESPACES,
    bpmn,
    bpmn_children,
    camunda_tag,
    engine_attribute,
    is_bpmn,
    local_name,
    namespace_of,
)

CONVERTIBLE = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "sendTask",
        "callActivity",
        "serviceTask",
        "businessRuleTask",
        "scriptTask",
    }
    | {"subProcess"}
)
# What an activity may contain; a subprocess with nothing else inside is work nobody modelled.
ACTIVITY_CHILDREN = frozenset(
    {"documentation", "extensionElements", "incoming", "outgoing", "ioSpecification", "property"}
    | {"dataInputAssociation", "dataOutputAssociation", "standardLoopCharacteristics"}
    | {"multiInstanceLoopCharacteristics", "performer", "humanPerformer", "potentialOwner", "resourceRole"}
)
KEEP_TAG = frozenset({"sendTask", "businessRuleTask", "serviceTask"})
IMPLEMENTATION_ATTRIBUTES = ("class", "expression", "delegateExpression", "type")
# Attributes a serviceTask may carry (BPMN, and camunda-bpmn-moddle's ServiceTask).
SERVICE_TASK_ATTRIBUTES = frozenset(
    {"id", "name", "default", "isForCompensation", "startQuantity", "completionQuantity", "implementation"}
)
SERVICE_TASK_CAMUNDA = frozenset(
    {
        "async",
        "asyncBefore",
        "asyncAfter",
        "exclusive",
        "jobPriority",
        "modelerTemplate",
        "modelerTemplateVersion",
    }
    | {"expression", "class", "delegateExpression", "resultVariable", "type", "topic", "taskPriority"}
)
CHILDREN_ONLY_ON_ORIGINAL = ("rendering", "script")  # userTask's and scriptTask's own children
STORM_DESCRIPTION = "{http://storm.bpmn2.ru/ns}HTMLDescription"


def is_unimplemented(element: etree._Element) -> bool:
    kind = local_name(element)
    if kind not in CONVERTIBLE:
        return False
    if any(engine_attribute(element, name) for name in IMPLEMENTATION_ATTRIBUTES) or _has_connector(element):
        return False
    if kind == "callActivity":
        return not (element.get("calledElement") or engine_attribute(element, "caseRef"))
    if kind == "businessRuleTask":
        return engine_attribute(element, "decisionRef") is None
    if kind == "scriptTask":
        return not bpmn_children(element, "script") and engine_attribute(element, "resource") is None
    if kind == "subProcess":
        return element.get("triggeredByEvent") != "true" and all(
            local_name(child) in ACTIVITY_CHILDREN for child in element if isinstance(child.tag, str)
        )
    return True


def _has_connector(element: etree._Element) -> bool:
    return any(
        namespace_of(child) in ENGINE_NAMESPACES and local_name(child) == "connector"
        for extensions in bpmn_children(element, "extensionElements")
        for child in extensions
    )


def convert_tasks(
    doc: BpmnDocument,
    settings: ConverterSettings,
    assignees: Mapping[str, Sequence[Assignee]],
    report: ConversionReport,
) -> None:
    unplaced: list[str] = []
    for process in doc.processes:
        candidates = [el for el in process.iter() if is_bpmn(el) and is_unimplemented(el)]
        for element in candidates:
            facts = _facts(doc, process, element, assignees.get(element.get("id") or "", ()), report)
            if _convert_one(element, facts, settings, report):
                unplaced.append(facts.id)
    if unplaced:
        report.warn(
            "placement",
            None,
            f"{len(unplaced)} activit{'y has' if len(unplaced) == 1 else 'ies have'} no lane, assignee or "
            f"matching rule, so the default topic {settings.default_topic!r} was used: {', '.join(unplaced)}",
        )


def _facts(
    doc: BpmnDocument,
    process: etree._Element,
    element: etree._Element,
    assignees: Sequence[Assignee],
    report: ConversionReport,
) -> ActivityFacts:
    ident = element.get("id") or ""
    lane = doc.lane_of(element)
    participant = doc.participant_of(process)
    if len(assignees) > 1:
        others = ", ".join(a.name for a in assignees[1:])
        report.warn(
            "assignee", ident, f"{len(assignees)} assignees; {assignees[0].name!r} is used, not {others}"
        )
    first = assignees[0] if assignees else None
    documentation = " ".join(stripped_text(doc_el) for doc_el in bpmn_children(element, "documentation"))
    return ActivityFacts(
        id=ident,
        name=squash(element.get("name")),
        type=local_name(element),
        documentation=squash(f"{documentation} {element.get(STORM_DESCRIPTION) or ''}"),
        process=process.get("id") or "",
        lane=squash(lane.get("name")) or None if lane is not None else None,
        participant=squash(participant.get("name")) or None if participant is not None else None,
        assignee=first.name if first else None,
        assignee_id=first.id if first else None,
    )


def _convert_one(
    element: etree._Element, facts: ActivityFacts, settings: ConverterSettings, report: ConversionReport
) -> bool:
    """Convert one activity; True when nothing but the default said where it goes."""
    placement = place(settings, facts)
    moved: dict[str, str] = {}
    if facts.type not in KEEP_TAG:
        element.tag = bpmn("serviceTask")
        moved = _move_foreign_attributes(element)
        _drop_original_children(element, facts, report)
    element.set(camunda_tag("type"), "external")
    element.set(camunda_tag("topic"), placement.topic)
    added = add_properties(element, {**moved, **placement.properties})
    target = "" if facts.type in KEEP_TAG else " serviceTask"
    extra = f"; properties {', '.join(added)}" if added else ""
    report.change(
        "task",
        facts.id,
        f"{facts.type} → external{target}, topic {placement.topic!r} by {placement.reason}{extra}",
    )
    if moved:
        report.change(
            "task", facts.id, f"attributes a service task cannot carry kept as properties: {', '.join(moved)}"
        )
    return placement.by_default and not facts.lane and not facts.assignee


def _move_foreign_attributes(element: etree._Element) -> dict[str, str]:
    moved: dict[str, str] = {}
    for key in attribute_names(element):
        namespace, _, name = key[1:].partition("}") if key.startswith("{") else ("", "", key)
        foreign_plain = not namespace and name not in SERVICE_TASK_ATTRIBUTES
        foreign_engine = namespace in (CAMUNDA, ACTIVITI) and name not in SERVICE_TASK_CAMUNDA
        if foreign_plain or foreign_engine:
            moved[name] = str(element.attrib.pop(key))
    return moved


def _drop_original_children(element: etree._Element, facts: ActivityFacts, report: ConversionReport) -> None:
    for child in list(element):
        if is_bpmn(child, *CHILDREN_ONLY_ON_ORIGINAL):
            element.remove(child)
            report.change(
                "task", facts.id, f"removed <{local_name(child)}>, which only a {facts.type} may have"
            )
