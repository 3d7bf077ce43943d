"""What a handler sees of its task: the message, decoded variables, and its system's options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from core.contracts import TaskMessage


@dataclass(frozen=True)
class TaskContext:
    """One task for one handler call. ``attempt`` counts from 1."""

    message: TaskMessage
    options: Mapping[str, Any] = field(default_factory=dict)
    attempt: int = 1
    # An earlier run of this task may have reached the system before dying (its claim was taken
    # over, or an attempt failed): a system without an idempotency key looks before it acts.
    resumed: bool = False
    # A long action (a paced pull that lasts minutes) calls this while it works: the engine lock
    # is kept alive only while the work is. Cheap to call often; it throttles itself.
    keep_alive: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)

    @cached_property
    def variables(self) -> dict[str, Any]:
        """Process variables as Python values (Json → dict/list, Date → aware datetime, …)."""
        return self.message.values()

    @property
    def topic(self) -> str:
        return self.message.task.topic

    @property
    def properties(self) -> Mapping[str, str]:
        """The activity's extension properties (camunda:properties)."""
        return self.message.activity.extension_properties

    @property
    def external_task_id(self) -> str:
        return self.message.task.id

    @property
    def activity_label(self) -> str:
        """The activity as errors name it: ``'Check the invoice' (Task_1)``, or just its id."""
        activity = self.message.activity
        return f"{activity.name!r} ({activity.id})" if activity.name else activity.id
