"""The contract between the tracker and a tracked system (Bitrix24 tasks, OpenProject, …).

A tracked system's descriptor carries ``create_tracker(options) -> SystemTracker``; the
tracker process finds it in ``systems/registry.py``, the same registry the creator reads, so
the two services never import each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.contracts.result import BpmnErrorOutcome, CompleteOutcome, FailureOutcome

FinalOutcome = CompleteOutcome | BpmnErrorOutcome | FailureOutcome


@dataclass(frozen=True)
class TrackedItem:
    """One work item a person is working on, and the task waiting for it."""

    external_task_id: str
    external_id: str
    external_url: str | None
    process_instance_id: str
    activity_id: str
    topic: str
    # The activity's result decides a yes/no gateway (the converter marks such activities):
    # a "no" from the person is an answer to complete with, not an error to raise.
    answers_gateway: bool = False


class SystemTracker(Protocol):
    def check(self, items: Sequence[TrackedItem]) -> Mapping[str, FinalOutcome]:
        """Outcomes of the finished items, keyed by external task id; open items are left out.

        A BPMN error outcome the activity does not catch becomes an incident in the tracker.
        """
        ...

    def cancelled(self, item: TrackedItem) -> None:
        """The process instance was cancelled in the engine: close or annotate the work item."""
        ...
