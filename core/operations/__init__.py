"""Controlling process runs: one implementation for the HTTP API and ``python -m tools``.

Plain functions over :class:`~core.camunda.EngineAdmin` (a ``CamundaClient`` works too) and,
for steps and logs, the ledger. They return frozen pydantic models; ``model_dump(mode="json")``
is what the API answers and what the CLI prints with ``--json``.

Commands (start, pause, resume, stop, retry, unlock) take ``actor`` ("cli:alice", "api:…") and
log one INFO line ``operation=<name> by=<actor> target=<id> …`` without variable values.

Errors (all :class:`~core.errors.ExchangerError`):
- :class:`~core.errors.OperationNotFound`: an unknown (or finished, for commands on running
  instances) instance, process key, external task or incident, also when the engine said 404;
- :class:`~core.errors.OperationRefused`: the target exists but nothing there can be done
  (retry where nothing failed, retry of an incident that is not a failed external task);
- :class:`~core.errors.CamundaUnavailable` / :class:`~core.errors.CamundaRequestError`: the
  engine is down, or refused the request (e.g. invalid variables).
"""

from core.operations.control import pause, resume, stop
from core.operations.executions import find_execution, list_executions, show_execution
from core.operations.incidents import list_incidents, retry_incident, retry_step, unlock_task
from core.operations.ledger_port import InstanceLedger
from core.operations.models import (
    CurrentActivity,
    ExecutionDetail,
    ExecutionFilters,
    ExecutionState,
    ExecutionStep,
    ExecutionSummary,
    Incident,
    LogEvent,
    OperationDone,
    Page,
    PageRequest,
    ProcessSummary,
    RetryDone,
    StartedExecution,
    StateFilter,
    StepWork,
    Variable,
)
from core.operations.processes import list_processes, start_process
from core.operations.steps import execution_steps
from core.operations.timeline import execution_logs

__all__ = [
    "CurrentActivity",
    "ExecutionDetail",
    "ExecutionFilters",
    "ExecutionState",
    "ExecutionStep",
    "ExecutionSummary",
    "Incident",
    "InstanceLedger",
    "LogEvent",
    "OperationDone",
    "Page",
    "PageRequest",
    "ProcessSummary",
    "RetryDone",
    "StartedExecution",
    "StateFilter",
    "StepWork",
    "Variable",
    "execution_logs",
    "execution_steps",
    "find_execution",
    "list_executions",
    "list_incidents",
    "list_processes",
    "pause",
    "resume",
    "retry_incident",
    "retry_step",
    "show_execution",
    "start_process",
    "stop",
    "unlock_task",
]
