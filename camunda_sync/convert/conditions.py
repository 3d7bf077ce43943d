"""Conditions on the flows out of exclusive and inclusive gateways, read from the flows' names.

A flow named yes/no (да/нет, configurable) tests the answer of the task before the gateway
(see :mod:`answers`): when that task routes to a people-work system that names its answer
variable (Bitrix24 ``bitrix_answer``, OpenProject ``op_approved``; see :mod:`system_answers`)
yes is ``answer == true`` and no ``answer != true`` (an empty answer takes the no branch);
otherwise yes/no are ``result == yes_value`` / ``!=`` on the task's result variable. Any
other name gets ``result == '<name>'``.
The engine refuses an exclusive gateway with an unconditioned flow that is not the default,
so a single unnamed flow becomes the default and anything else is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from camunda_sync.config.models import ConditionSettings, ConverterSettings
from camunda_sync.convert.answers import find_answer
from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.extensions import add_properties
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.system_answers import SystemAnswers
from camunda_sync.convert.xmltext import squash
from core.bpmn.namespaces import BPMN_MODEL, XSI, bpmn, bpmn_children, local_name

DECIDING = ("exclusiveGateway", "inclusiveGateway")


def add_conditions(
    doc: BpmnDocument,
    process: etree._Element,
    settings: ConverterSettings,
    report: ConversionReport,
    answers: SystemAnswers | None = None,
) -> None:
    for gateway in list(process.iter(*(bpmn(kind) for kind in DECIDING))):
        outgoing = _flows(process, "sourceRef", gateway.get("id"))
        pending = [f for f in outgoing if not _has_condition(f) and f.get("id") != gateway.get("default")]
        if len(outgoing) < 2 or not pending:
            continue
        kinds = {f.get("id"): _kind(f, settings.conditions) for f in pending}
        labelled = [f for f in pending if kinds[f.get("id")]]
        if labelled and settings.conditions.enabled:
            context = _Context(doc, process, settings, report, answers)
            _condition_labelled(context, gateway, labelled, kinds)
        _handle_unlabelled(gateway, [f for f in pending if not kinds[f.get("id")]], report)
    _warn_labels_on_parallel(process, settings.conditions, report)


def _flows(process: etree._Element, end: str, node_id: str | None) -> list[etree._Element]:
    return [f for f in process.iter(bpmn("sequenceFlow")) if f.get(end) == node_id]


def _has_condition(flow: etree._Element) -> bool:
    return bool(bpmn_children(flow, "conditionExpression"))


def _kind(flow: etree._Element, settings: ConditionSettings) -> str | None:
    label = squash(flow.get("name")).casefold().rstrip(".!?")
    if not label:
        return None
    if label in {w.casefold() for w in settings.yes_words}:
        return "yes"
    if label in {w.casefold() for w in settings.no_words}:
        return "no"
    return "label" if settings.label_conditions else None


@dataclass(frozen=True)
class _Context:
    doc: BpmnDocument
    process: etree._Element
    settings: ConverterSettings
    report: ConversionReport
    answers: SystemAnswers | None


def _condition_labelled(
    context: _Context,
    gateway: etree._Element,
    labelled: list[etree._Element],
    kinds: dict[str | None, str | None],
) -> None:
    settings, report = context.settings, context.report
    answer = find_answer(context.doc, context.process, gateway, settings, report)
    system_answer = None
    if answer.task is not None and context.answers is not None:
        system_answer = context.answers.of(answer.task, context.process.get("id"))
    for flow in labelled:
        kind = kinds[flow.get("id")] or ""
        if system_answer is not None and kind in ("yes", "no"):
            expression = _boolean_expression(system_answer.variable, kind)
        else:
            expression = _expression(answer.variable, kind, flow, settings.conditions)
        _set_condition(flow, expression)
        report.change("condition", flow.get("id"), f"{squash(flow.get('name'))!r}: {expression}")
    if answer.task is not None:
        _mark_answering(answer.task, gateway, settings.conditions, report)


def _mark_answering(
    task: etree._Element, gateway: etree._Element, settings: ConditionSettings, report: ConversionReport
) -> None:
    """Tell the worker that this task's result is expected, and which question it answers."""
    marks = {}
    if settings.expected_property:
        marks[settings.expected_property] = "true"
    if settings.question_property:
        marks[settings.question_property] = squash(gateway.get("name")) or gateway.get("id") or ""
    added = add_properties(task, marks)
    if added:
        report.change("condition", task.get("id"), f"answers gateway {gateway.get('id')}: {', '.join(added)}")


def _expression(variable: str, kind: str, flow: etree._Element, settings: ConditionSettings) -> str:
    value = settings.yes_value if kind in ("yes", "no") else squash(flow.get("name"))
    operator = "!=" if kind == "no" else "=="
    return f"${{execution.getVariable('{_juel(variable)}') {operator} '{_juel(value)}'}}"


def _boolean_expression(variable: str, kind: str) -> str:
    """Yes when the person answered yes; no otherwise, an empty answer included."""
    operator = "!=" if kind == "no" else "=="
    return f"${{execution.getVariable('{_juel(variable)}') {operator} true}}"


def _juel(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _set_condition(flow: etree._Element, expression: str) -> None:
    condition = etree.SubElement(flow, bpmn("conditionExpression"))
    prefix = next((p for p, uri in (flow.nsmap or {}).items() if uri == BPMN_MODEL), None)
    condition.set(f"{{{XSI}}}type", f"{prefix}:tFormalExpression" if prefix else "tFormalExpression")
    condition.text = expression


def _handle_unlabelled(
    gateway: etree._Element, unlabelled: list[etree._Element], report: ConversionReport
) -> None:
    if not unlabelled:
        return
    ids = ", ".join(str(f.get("id")) for f in unlabelled)
    if local_name(gateway) == "inclusiveGateway":
        report.warn("gateway", gateway.get("id"), f"flows without a condition are always taken: {ids}")
    elif len(unlabelled) == 1 and gateway.get("default") is None:
        gateway.set("default", unlabelled[0].get("id") or "")
        report.change(
            "gateway",
            gateway.get("id"),
            f"the only flow without a name or condition ({ids}) is now the default flow",
        )
        report.warn(
            "gateway",
            gateway.get("id"),
            f"check the default flow {ids}: it was chosen because it had no label",
        )
    else:
        report.warn(
            "gateway",
            gateway.get("id"),
            f"gateway without conditions: flows {ids} have neither a condition nor a label; "
            "the engine refuses such an exclusive gateway",
        )


def _warn_labels_on_parallel(
    process: etree._Element, settings: ConditionSettings, report: ConversionReport
) -> None:
    words = {w.casefold() for w in (*settings.yes_words, *settings.no_words)}
    for gateway in process.iter(bpmn("parallelGateway"), bpmn("eventBasedGateway")):
        for flow in _flows(process, "sourceRef", gateway.get("id")):
            if squash(flow.get("name")).casefold() in words:
                report.warn(
                    "gateway",
                    gateway.get("id"),
                    f"flow {flow.get('id')} is labelled {flow.get('name')!r} but leaves a {local_name(gateway)}: "
                    "no condition applies there",
                )
