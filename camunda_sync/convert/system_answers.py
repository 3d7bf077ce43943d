"""Which variable carries a person's yes/no answer: the one the routed system's tracker writes.

A people task routed to Bitrix24 finishes with the Boolean ``bitrix_answer``, one routed to
OpenProject with ``op_approved`` (each system's descriptor names it). With Exchanger's routing
rules at hand, a yes/no gateway after such a task tests that variable; without them, or for a
system that names none, the generic ``<task id> == 'ok'`` convention stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from camunda_sync.convert.extensions import properties_of
from core.bpmn.namespaces import engine_attribute
from core.config.models import RoutingRule
from systems.registry import SYSTEMS


@dataclass(frozen=True)
class SystemAnswer:
    system: str
    variable: str


@dataclass(frozen=True)
class SystemAnswers:
    routing: Sequence[RoutingRule]
    tenant_id: str | None = None

    def of(self, task: etree._Element, process_key: str | None) -> SystemAnswer | None:
        """The answer variable of the system the task's topic routes to, if it names one."""
        topic = engine_attribute(task, "topic")
        if not topic:
            return None
        properties = properties_of(task)
        for rule in self.routing:
            if rule.matches(topic, process_key, self.tenant_id, properties):
                descriptor = SYSTEMS.get(rule.system)
                variable = descriptor.answer_variable if descriptor else None
                return SystemAnswer(rule.system, variable) if variable else None
        return None
