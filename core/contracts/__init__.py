"""Message contracts between the processes: the task message and the result/response message.

Both are versioned by their ``schema`` field, published as JSON Schema under
``docs/schemas/`` and validated on receipt with :func:`parse_task_message` /
:func:`parse_result_message`, which raise :class:`core.errors.ContractError` with the reason.
"""

from core.contracts.result import (
    AliveOutcome,
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    Outcome,
    ResultMessage,
    TaskRef,
    TrackedOutcome,
    TrackedReference,
    parse_result_message,
)
from core.contracts.task import (
    ActivityInfo,
    ExternalTaskInfo,
    ProcessInfo,
    RoutingInfo,
    TaskMessage,
    parse_task_message,
)

__all__ = [
    "ActivityInfo",
    "AliveOutcome",
    "BpmnErrorOutcome",
    "CompleteOutcome",
    "ExternalTaskInfo",
    "FailureOutcome",
    "Outcome",
    "ProcessInfo",
    "ResultMessage",
    "RoutingInfo",
    "TaskMessage",
    "TaskRef",
    "TrackedOutcome",
    "TrackedReference",
    "parse_result_message",
    "parse_task_message",
]
