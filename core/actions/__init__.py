"""The handler API that systems and user handler modules write against.

A handler takes a :class:`TaskContext` and returns one outcome (``complete``, ``bpmn_error``,
``tracked``); handlers are registered by topic on a :class:`TaskRouter`. It lives in the
kernel because the systems may import only ``core``.
"""

from core.actions.context import TaskContext
from core.actions.errors import ActionError, DuplicateTopicError, SystemLoadError, UnknownTopicError
from core.actions.outcomes import BpmnError, Complete, HandlerOutcome, Tracked, bpmn_error, complete, tracked
from core.actions.router import Handler, TaskRouter

__all__ = [
    "ActionError",
    "BpmnError",
    "Complete",
    "DuplicateTopicError",
    "Handler",
    "HandlerOutcome",
    "SystemLoadError",
    "TaskContext",
    "TaskRouter",
    "Tracked",
    "UnknownTopicError",
    "bpmn_error",
    "complete",
    "tracked",
]
