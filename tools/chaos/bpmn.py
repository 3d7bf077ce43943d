"""The chaos run's two processes, built like the benchmark's: python only, and with a people task.

``chaos-python``: prepare → finish (both python); ``chaos-people``: prepare → a Bitrix24 task for
a person (the sandbox closes it after a while) → finish. Every step is an external task routed by
topic (``python.chaos.step``, ``bitrix24.task``), with extension properties as camunda_sync writes them.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from tools.bench.bpmn import sequence_process

PYTHON_TOPIC = "python.chaos.step"
PEOPLE_TOPIC = "bitrix24.task"
PYTHON_STEPS = ("prepare", "finish")
PEOPLE_STEP = "review"
#: The Bitrix24 user who gets the people tasks (a sandbox seed user).
RESPONSIBLE = "2"


def keys(token: str) -> tuple[str, str]:
    """The two process keys of one run (a token of its own keeps other runs' instances away)."""
    return f"chaos-python-{token}", f"chaos-people-{token}"


def python_process(key: str) -> str:
    return _process(key, [_python("prepare"), _python("finish")])


def people_process(key: str) -> str:
    return _process(key, [_python("prepare"), _people(), _python("finish")])


def _python(step: str) -> tuple[str, str]:
    return (
        step,
        f'<bpmn:serviceTask id="{step}" name="{step.capitalize()}" camunda:type="external" camunda:topic="{PYTHON_TOPIC}"/>',
    )


def _people() -> tuple[str, str]:
    properties = {
        "bitrix.responsible": RESPONSIBLE,
        "bitrix.title": "Review {{ business_key }}",
    }
    props = "".join(
        f"<camunda:property name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in properties.items()
    )
    return PEOPLE_STEP, (
        f'<bpmn:serviceTask id="{PEOPLE_STEP}" name="Review" camunda:type="external" '
        f'camunda:topic="{PEOPLE_TOPIC}"><bpmn:extensionElements><camunda:properties>{props}'
        "</camunda:properties></bpmn:extensionElements></bpmn:serviceTask>"
    )


def _process(key: str, steps: list[tuple[str, str]]) -> str:
    return sequence_process(key, steps, namespace="http://exchanger.chaos", history_ttl="P7D")
