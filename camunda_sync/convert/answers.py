"""Who answers a yes/no gateway: the task before it, a new question task, or a process variable.

Walking back from the gateway through events and splitting gateways (each with exactly one
incoming flow) leads to the task whose result decides. A gateway right after a join has no
single such task, so a task that asks the question is inserted before it. When the walk
reaches the start event or a join further back, the conditions read a process variable named
after the gateway (set when the process starts), and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from camunda_sync.config.models import ConverterSettings
from camunda_sync.convert.document import BpmnDocument, is_activity
from camunda_sync.convert.questions import insert_question_task
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.xmltext import squash
from core.bpmn.namespaces import bpmn, is_bpmn, local_name

PASSABLE = ("intermediateCatchEvent", "intermediateThrowEvent")


@dataclass(frozen=True)
class Answer:
    variable: str
    task: etree._Element | None  # None: a process variable answers, no task


def find_answer(
    doc: BpmnDocument,
    process: etree._Element,
    gateway: etree._Element,
    settings: ConverterSettings,
    report: ConversionReport,
) -> Answer:
    conditions = settings.conditions
    incoming = _into(process, gateway.get("id"))
    if len(incoming) == 1:
        first = doc.by_id(incoming[0].get("sourceRef"))
        if first is not None and _is_join(process, first) and conditions.question_tasks:
            task = insert_question_task(doc, gateway, incoming[0], settings, report)
            return Answer(_task_variable(settings, task), task)
        before = _task_before(doc, process, first)
        if before is not None:
            return Answer(_task_variable(settings, before), before)
    variable = conditions.gateway_variable.replace("{gateway_id}", gateway.get("id") or "")
    report.warn(
        "gateway",
        gateway.get("id"),
        f"no single task before the gateway answers {squash(gateway.get('name')) or 'it'!r}: its conditions "
        f"read the process variable {variable!r} (set it when starting the process, or model a task that answers)",
    )
    return Answer(variable, None)


def _into(process: etree._Element, node_id: str | None) -> list[etree._Element]:
    return [f for f in process.iter(bpmn("sequenceFlow")) if f.get("targetRef") == node_id]


def _is_join(process: etree._Element, node: etree._Element) -> bool:
    return local_name(node).endswith("Gateway") and len(_into(process, node.get("id"))) > 1


def _task_before(
    doc: BpmnDocument, process: etree._Element, node: etree._Element | None
) -> etree._Element | None:
    seen: set[str] = set()
    while node is not None and not is_activity(node):
        passable = is_bpmn(node, *PASSABLE) or local_name(node).endswith("Gateway")
        before = _into(process, node.get("id"))
        if not passable or len(before) != 1 or node.get("id") in seen:
            return None
        seen.add(node.get("id") or "")
        node = doc.by_id(before[0].get("sourceRef"))
    return node


def _task_variable(settings: ConverterSettings, task: etree._Element) -> str:
    return settings.conditions.result_variable.replace("{task_id}", task.get("id") or "")
