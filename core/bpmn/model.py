"""The BPMN metadata Exchanger needs about processes and their activities.

Plain frozen values, built once per process definition by :mod:`core.bpmn.parser` and then
shared (through :class:`core.bpmn.cache.BpmnCache`) by every task of that definition. Their
mappings are :class:`~core.bpmn.frozen.FrozenDict`, so nobody can change a shared model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.bpmn.frozen import FrozenDict


def _empty() -> Mapping[str, object]:
    return FrozenDict()


def _empty_strings() -> Mapping[str, str]:
    return FrozenDict()


@dataclass(frozen=True)
class MultiInstance:
    """``multiInstanceLoopCharacteristics`` of an activity; expressions are kept verbatim."""

    sequential: bool
    collection: str | None
    element_variable: str | None
    cardinality: str | None
    completion_condition: str | None


@dataclass(frozen=True)
class ActivityMeta:
    """One flow node of a process (task, event, gateway, subprocess) as Exchanger sees it."""

    id: str
    name: str | None
    type: str  # local BPMN element name: serviceTask, sendTask, endEvent, userTask, ...
    documentation: str | None = None
    lane: str | None = None  # name of the innermost lane holding the node
    participant: str | None = None  # name of the pool whose processRef is this process
    topic: str | None = None
    is_external: bool = False
    extension_properties: Mapping[str, str] = field(default_factory=_empty_strings)
    input_parameters: Mapping[str, object] = field(default_factory=_empty)
    output_parameters: Mapping[str, object] = field(default_factory=_empty)
    field_injections: Mapping[str, str] = field(default_factory=_empty_strings)
    multi_instance: MultiInstance | None = None
    # Error codes a BPMN error thrown here can be caught by: this activity's error boundary
    # events first, then those of the enclosing subprocesses and error event subprocesses.
    caught_error_codes: tuple[str, ...] = ()
    catches_all_errors: bool = False
    error_event_definitions: tuple[str, ...] = ()  # camunda:errorEventDefinition expressions

    def catches(self, code: str) -> bool:
        """Whether a BPMN error with ``code`` thrown by this activity is caught in the process."""
        return self.catches_all_errors or code in self.caught_error_codes


@dataclass(frozen=True)
class ProcessMeta:
    """One ``bpmn:process``; ``activities`` includes nodes of nested subprocesses, by id."""

    id: str
    name: str | None
    version_tag: str | None
    documentation: str | None
    is_executable: bool | None  # None when the attribute is absent
    activities: Mapping[str, ActivityMeta]


@dataclass(frozen=True)
class BpmnModel:
    """All processes of one BPMN document, keyed by process id (the definition key)."""

    processes: Mapping[str, ProcessMeta]

    def activity(self, process_key: str, activity_id: str) -> ActivityMeta | None:
        """The activity ``activity_id`` of process ``process_key``, or None if either is unknown."""
        process = self.processes.get(process_key)
        return None if process is None else process.activities.get(activity_id)

    def external_tasks(self) -> list[tuple[str, str, str | None]]:
        """``(process id, activity id, topic)`` of every external task, in document order."""
        return [
            (process.id, activity.id, activity.topic)
            for process in self.processes.values()
            for activity in process.activities.values()
            if activity.is_external
        ]
