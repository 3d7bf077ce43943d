"""A task that asks a gateway's question when no task before the gateway can answer it."""

from __future__ import annotations

from lxml import etree

from camunda_sync.config.models import ConverterSettings
from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.extensions import add_properties
from camunda_sync.convert.layout import split_edge
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.rules import ActivityFacts, place
from camunda_sync.convert.xmltext import squash
from core.bpmn.namespaces import bpmn, bpmn_children, camunda_tag, is_bpmn


def insert_question_task(
    doc: BpmnDocument,
    gateway: etree._Element,
    flow: etree._Element,
    settings: ConverterSettings,
    report: ConversionReport,
) -> etree._Element:
    """Put a new external task on ``flow`` (which enters ``gateway``) and return it."""
    gateway_id = gateway.get("id") or ""
    flow_id = flow.get("id") or ""
    task_id = doc.new_id(f"Question_{gateway_id}")
    new_flow_id = doc.new_id(f"Flow_{task_id}")
    question = squash(gateway.get("name")) or gateway_id
    task = _task(doc, gateway, task_id, settings.conditions.question_prefix + question, settings)
    etree.SubElement(task, bpmn("incoming")).text = flow_id
    etree.SubElement(task, bpmn("outgoing")).text = new_flow_id
    gateway.addprevious(task)
    task.tail = gateway.tail
    new_flow = etree.Element(bpmn("sequenceFlow"), id=new_flow_id, sourceRef=task_id, targetRef=gateway_id)
    flow.addnext(new_flow)
    new_flow.tail = flow.tail
    flow.set("targetRef", task_id)
    for incoming in bpmn_children(gateway, "incoming"):
        if (incoming.text or "").strip() == flow_id:
            incoming.text = new_flow_id
    _add_to_lane(doc, gateway, task_id)
    doc.register(task)
    doc.register(new_flow)
    drawn = split_edge(doc, flow_id, task_id, new_flow_id)
    report.change(
        "question",
        task_id,
        f"inserted external task {task.get('name')!r} on flow {flow_id} before gateway {gateway_id}: "
        "no task before the gateway answers its question",
    )
    if drawn:
        report.warn(
            "layout", task_id, f"new task drawn on the flow {flow_id}; check the layout in the modeller"
        )
    else:
        report.warn(
            "layout", task_id, f"flow {flow_id} has no edge in the diagram; the new task has no shape"
        )
    return task


def _task(
    doc: BpmnDocument, gateway: etree._Element, task_id: str, name: str, settings: ConverterSettings
) -> etree._Element:
    process = doc.process_of(gateway)
    lane = doc.lane_of(gateway)
    participant = doc.participant_of(process) if process is not None else None
    facts = ActivityFacts(
        id=task_id,
        name=name,
        type="task",
        documentation="",
        process=process.get("id") or "" if process is not None else "",
        lane=squash(lane.get("name")) or None if lane is not None else None,
        participant=squash(participant.get("name")) or None if participant is not None else None,
    )
    placement = place(settings, facts)
    task = etree.Element(bpmn("serviceTask"), id=task_id, name=name)
    task.set(camunda_tag("type"), "external")
    task.set(camunda_tag("topic"), placement.topic)
    add_properties(task, placement.properties)
    return task


def _add_to_lane(doc: BpmnDocument, gateway: etree._Element, task_id: str) -> None:
    lane = doc.lane_of(gateway)
    if lane is None:
        return
    ref = next(
        (r for r in lane if is_bpmn(r, "flowNodeRef") and (r.text or "").strip() == gateway.get("id")),
        None,
    )
    created = etree.Element(bpmn("flowNodeRef"))
    created.text = task_id
    if ref is not None:
        ref.addprevious(created)
        created.tail = ref.tail
    else:
        lane.append(created)
