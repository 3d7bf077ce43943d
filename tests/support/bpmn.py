"""Builds small executable BPMN processes for tests: a chain of external tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Step:
    """One external service task; ``catches`` adds an error boundary event per code."""

    id: str
    topic: str
    name: str | None = None
    priority: int | None = None
    properties: dict[str, str] = field(default_factory=dict)
    catches: tuple[str, ...] = ()
    documentation: str | None = None


def chain_process(key: str, steps: list[Step], *, name: str | None = None, ttl: str = "P1D") -> str:
    """A process: start → steps in sequence → end; caught errors go to their own end events."""
    errors, tasks, flows = [], [], []
    previous = "start"
    for step in steps:
        tasks.append(_task_xml(step))
        flows.append(_flow(previous, step.id))
        previous = step.id
        for code in step.catches:
            error_id = f"Error_{step.id}_{code}"
            errors.append(f'<bpmn:error id="{error_id}" errorCode={quoteattr(code)} name={quoteattr(code)}/>')
            boundary = f"Boundary_{step.id}_{code}"
            tasks.append(
                f'<bpmn:boundaryEvent id="{boundary}" attachedToRef="{step.id}">'
                f'<bpmn:errorEventDefinition errorRef="{error_id}"/></bpmn:boundaryEvent>'
                f'<bpmn:endEvent id="End_{boundary}"/>'
            )
            flows.append(_flow(boundary, f"End_{boundary}"))
    flows.append(_flow(previous, "end"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_' + key + '" '
        'targetNamespace="http://exchanger.test">'
        + "".join(errors)
        + f'<bpmn:process id="{key}" name={quoteattr(name or key)} isExecutable="true" '
        f'camunda:historyTimeToLive="{ttl}">'
        '<bpmn:startEvent id="start"/>'
        + "".join(tasks)
        + '<bpmn:endEvent id="end"/>'
        + "".join(flows)
        + "</bpmn:process></bpmn:definitions>"
    )


def _task_xml(step: Step) -> str:
    attrs = f'id="{step.id}" camunda:type="external" camunda:topic={quoteattr(step.topic)}'
    if step.name:
        attrs += f" name={quoteattr(step.name)}"
    if step.priority is not None:
        attrs += f' camunda:taskPriority="{step.priority}"'
    inner = (
        f"<bpmn:documentation>{escape(step.documentation)}</bpmn:documentation>" if step.documentation else ""
    )
    if step.properties:
        props = "".join(
            f"<camunda:property name={quoteattr(k)} value={quoteattr(v)}/>"
            for k, v in step.properties.items()
        )
        inner += f"<bpmn:extensionElements><camunda:properties>{props}</camunda:properties></bpmn:extensionElements>"
    return f"<bpmn:serviceTask {attrs}>{inner}</bpmn:serviceTask>"


def _flow(source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="Flow_{source}_{target}" sourceRef="{source}" targetRef="{target}"/>'
