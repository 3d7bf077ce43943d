"""Turning handler outcomes and errors into result records for ``<system>.sent.queue``."""

from __future__ import annotations

from core.actions.outcomes import BpmnError, Complete, HandlerOutcome, Tracked
from core.contracts import (
    AliveOutcome,
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TaskMessage,
    TaskRef,
    TrackedOutcome,
    TrackedReference,
)
from core.contracts.result import typed
from core.errors import BusinessError, ContractError, PermanentError

ResultOutcome = CompleteOutcome | FailureOutcome | BpmnErrorOutcome | TrackedOutcome
RecordOutcome = ResultOutcome | AliveOutcome  # what may travel on <system>.sent.queue


def outcome_of(result: HandlerOutcome) -> ResultOutcome:
    if isinstance(result, Complete):
        return CompleteOutcome(variables=typed(dict(result.variables)))
    if isinstance(result, BpmnError):
        return BpmnErrorOutcome(
            code=result.code, message=result.message, variables=typed(dict(result.variables))
        )
    if isinstance(result, Tracked):
        return TrackedOutcome(reference=TrackedReference(id=result.id, url=result.url))
    raise TypeError(
        f"a handler returned {type(result).__name__}; expected complete(), bpmn_error() or tracked()"
    )


def outcome_of_error(error: Exception, *, attempts: int) -> ResultOutcome:
    """A handler's final error: business errors become BPMN errors, the rest failures."""
    if isinstance(error, BusinessError):
        try:
            variables = typed(error.variables)
        except ContractError as err:  # would otherwise requeue (and re-run the handler) forever
            return FailureOutcome(
                message=f"failed: BPMN error {error.code} has variables that cannot be sent: {err}",
                details=f"{type(error).__name__}: {error}",
                retryable=False,
            )
        return BpmnErrorOutcome(code=error.code, message=str(error), variables=variables)
    details = error.details if isinstance(error, PermanentError) else None
    kind = "failed" if isinstance(error, PermanentError) else f"failed after {attempts} attempts"
    return FailureOutcome(
        message=f"{kind}: {error}",
        details=details or f"{type(error).__name__}: {error}",
        retryable=False,
    )


def result_message(
    task: TaskMessage, outcome: RecordOutcome, *, record_id: str, attempts: int
) -> ResultMessage:
    return ResultMessage(
        external_task_id=task.task.id,
        outcome=outcome,
        message_id=task.message_id,
        result_id=record_id,
        system=task.routing.system,
        task=TaskRef(
            worker_id=task.task.worker_id,
            topic=task.task.topic,
            process_instance_id=task.process.instance_id,
            activity_id=task.activity.id,
            retries=task.task.retries,
            lock_duration_ms=task.task.lock_duration_ms,
            caught_error_codes=task.activity.caught_error_codes,
            catches_all_errors=task.activity.catches_all_errors,
            answers_gateway=task.activity.answers_gateway or None,
        ),
        attempts=attempts,
        origin=task.origin,
    )
