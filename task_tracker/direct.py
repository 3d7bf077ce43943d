"""Settling a direct task: store its outcome in the record and reply to its submitter.

A direct task has no engine task behind it, so nothing here calls the engine. The record is
written first and the reply sent after. Only the settlement that made the record final sends
the reply: a duplicate result (a creator re-sending after a restart) may be settled on
another thread at the same moment and must not reply twice. A reply still missing a while
after the outcome was stored means its settler died in between; a chore sends it then.
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from core.contracts import (
    AliveOutcome,
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TrackedOutcome,
)
from core.contracts.result import untyped
from core.errors import ContractError
from core.intake import DirectRecord, DirectState, DirectStore, ReplySender, reply_for
from core.ledger import Ledger, TaskState

REPLY_GRACE_S = 30.0  # far longer than storing an outcome and sending its reply ever takes
_LEDGER_STATE = {
    DirectState.COMPLETED: TaskState.COMPLETED,
    DirectState.FAILED: TaskState.FAILED,
    DirectState.BPMN_ERROR: TaskState.BPMN_ERROR,
}


class DirectSettler:
    def __init__(self, store: DirectStore, ledger: Ledger, replies: ReplySender) -> None:
        self._store = store
        self._ledger = ledger
        self._replies = replies

    def settle(self, result: ResultMessage) -> str:
        record_id = result.external_task_id
        record = self._store.find(record_id)
        if record is None:
            raise ContractError(f"direct task {record_id} has no record here (wrong ledger database?)")
        outcome = result.outcome
        if isinstance(outcome, AliveOutcome):
            return "alive"  # no engine lock to extend
        if isinstance(outcome, TrackedOutcome):
            self._store.mark_tracked(record_id, outcome.reference.id, outcome.reference.url)
            if self._ledger.record_external(record_id, outcome.reference.id, outcome.reference.url):
                self._ledger.mark(record_id, TaskState.TRACKED)
            return "tracked"
        status, fields = _final_fields(outcome)
        if record.final or not self._store.finish(record_id, status, attempts=result.attempts, **fields):
            stored = self._store.get(record_id).status
            self._ledger.mark(record_id, _LEDGER_STATE[stored])  # in case its settler died before this
            return "duplicate"
        self._ledger.mark(record_id, _LEDGER_STATE[status])
        self._reply(self._store.get(record_id))
        return f"direct-{status}"

    def resend_missing_replies(self) -> int:
        """Send the replies of records that became final over REPLY_GRACE_S ago but were never replied."""
        missing = self._store.unreplied(REPLY_GRACE_S)
        for record in missing:
            logger.warning("direct task={} was settled but never replied: replying now", record.id)
            self._reply(record)
        return len(missing)

    def _reply(self, record: DirectRecord) -> None:
        if not record.reply_to:
            return
        if self._replies.send(record.reply_to, record.correlation_id, reply_for(record)):
            logger.info("direct task={} replied {} to its submitter", record.id, record.status)
        self._store.mark_replied(record.id)


def _final_fields(
    outcome: CompleteOutcome | FailureOutcome | BpmnErrorOutcome,
) -> tuple[DirectState, dict[str, Any]]:
    if isinstance(outcome, CompleteOutcome):
        return DirectState.COMPLETED, {"result": untyped(outcome.variables)}
    if isinstance(outcome, BpmnErrorOutcome):
        error = {"message": outcome.message or outcome.code, "code": outcome.code}
        return DirectState.BPMN_ERROR, {"error": error, "result": untyped(outcome.variables)}
    return DirectState.FAILED, {"error": {"message": outcome.message, "details": outcome.details}}
