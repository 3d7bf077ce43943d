"""The benchmark process: start → K external tasks in a chain → end."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from xml.sax.saxutils import quoteattr

#: Benchmark topics are ``bench.<scenario>``: a topic of its own keeps other people's workers
#: (a demo fetching ``echo`` on the same engine) away from the benchmark's tasks, and a new one
#: per scenario keeps a previous contender's abandoned long poll (which the engine still serves
#: after the worker is gone, locking tasks for a dead client) away from the next scenario.
TOPIC_PREFIX = "bench."


def chain_process(key: str, steps: int, topic: str) -> str:
    """BPMN XML of process ``key`` with ``steps`` external service tasks in sequence."""
    if steps < 1:
        raise ValueError("a benchmark process needs at least one step")
    ids = [f"step{i}" for i in range(1, steps + 1)]
    tasks = [
        (task, f'<bpmn:serviceTask id="{task}" camunda:type="external" camunda:topic={quoteattr(topic)}/>')
        for task in ids
    ]
    return sequence_process(key, tasks, namespace="http://exchanger.bench", history_ttl="P1D")


def sequence_process(key: str, steps: Sequence[tuple[str, str]], *, namespace: str, history_ttl: str) -> str:
    """BPMN XML of process ``key``: start → each step (its id and its element's XML) in order → end."""
    nodes = ["start", *(step for step, _ in steps), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(pairwise(nodes))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        f'id="defs_{key}" targetNamespace={quoteattr(namespace)}>'
        f'<bpmn:process id="{key}" name="{key}" isExecutable="true" camunda:historyTimeToLive="{history_ttl}">'
        f'<bpmn:startEvent id="start"/>{"".join(xml for _, xml in steps)}<bpmn:endEvent id="end"/>{flows}'
        "</bpmn:process></bpmn:definitions>"
    )
