"""The fetch plan: one FetchTopic per routable topic, rebuilt on each discovery.

A topic some rule routes unconditionally is fetched as is. A topic whose rules depend on
the process, tenant or an activity property is fetched only for the process keys whose
waiting tasks those rules actually route (probed through the engine's task list and the
BPMN metadata), so unroutable tasks stay unlocked for other workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from loguru import logger

from core.camunda import EnginePort, FetchTopic
from core.config.models import SystemConfig, WorkerConfig
from universal_worker.routing import Router, TaskFacts, is_glob

PROBE_LIMIT = 500

PropertiesLookup = Callable[[str, str], Mapping[str, str]]  # (definition id, activity id) → properties


@dataclass(frozen=True)
class FetchPlan:
    topics: tuple[FetchTopic, ...]
    systems_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic → systems it routes to

    @property
    def topic_names(self) -> list[str]:
        return [topic.topic_name for topic in self.topics]


class Planner:
    """Turns rules, systems and discovered topic names into the topics of one fetchAndLock."""

    def __init__(
        self,
        router: Router,
        systems: Mapping[str, SystemConfig],
        worker: WorkerConfig,
        client: EnginePort,
        properties: PropertiesLookup,
    ) -> None:
        self._router = router
        self._systems = systems
        self._worker = worker
        self._client = client
        self._properties = properties

    def plan(self, discovered: Iterable[str]) -> FetchPlan:
        topics = []
        for name in sorted(self._router.topics_to_fetch(discovered)):
            keys = self._process_keys(name)
            if keys is not None and not keys:
                continue
            topics.append(self._fetch_topic(name, keys))
        systems_of = {
            topic.topic_name: tuple(
                sorted({r.system for r in self._router.rules_for_topic(topic.topic_name)})
            )
            for topic in topics
        }
        return FetchPlan(tuple(topics), systems_of)

    def _process_keys(self, topic: str) -> list[str] | None:
        """None: fetch every process; otherwise only these keys (possibly none)."""
        static = list(self._worker.process_definition_keys)
        if self._router.topic_is_unconditional(topic):
            return static or None
        rules = self._router.rules_for_topic(topic)
        exact = {
            r.process for r in rules if r.process and not is_glob(r.process) and not (r.tenant or r.property)
        }
        needs_probe = not all(r.process and r.process in exact for r in rules)
        keys = exact | self._probe(topic) if needs_probe else exact
        if static:
            keys &= set(static)
        return sorted(keys)

    def _probe(self, topic: str) -> set[str]:
        """Process keys of waiting tasks of ``topic`` that some rule routes."""
        keys: set[str] = set()
        for task in self._client.list_external_tasks(
            topicName=topic, notLocked=True, max_results=PROBE_LIMIT
        ):
            facts = TaskFacts(
                topic=topic,
                process_key=task.get("processDefinitionKey") or "",
                tenant_id=task.get("tenantId"),
                properties=self._properties(task["processDefinitionId"], task["activityId"]),
            )
            if self._router.route(facts) is not None:
                keys.add(facts.process_key)
        logger.debug("topic {} has routable waiting tasks in processes {}", topic, sorted(keys))
        return keys

    def _fetch_topic(self, name: str, keys: list[str] | None) -> FetchTopic:
        rules = self._router.rules_for_topic(name)
        lock_ms = max(self._systems[rule.system].lock_duration_ms for rule in rules)
        # A rule's own variable list narrows its system's; None anywhere means "all variables".
        wanted = [
            rule.variables if rule.variables is not None else self._systems[rule.system].variables
            for rule in rules
        ]
        variables = _union_variables(wanted)
        return FetchTopic(
            topic_name=name,
            lock_duration_ms=lock_ms,
            variables=variables,
            process_definition_key_in=keys or (),
            tenant_id_in=tuple(self._worker.tenant_ids),
            without_tenant_id=self._worker.without_tenant_id,
            include_extension_properties=True,
        )


def _union_variables(lists: list[list[str] | None]) -> list[str] | None:
    if any(names is None for names in lists):
        return None
    return sorted({name for names in lists if names for name in names})
