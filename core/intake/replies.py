"""Replies to a direct task's submitter: built from its record, sent to the queue it named."""

from __future__ import annotations

import uuid
from typing import Any

from loguru import logger

from core.contracts.direct import Reply, ReplyError, ReplyStatus, action_of
from core.errors import PublishUnroutable
from core.intake.records import DirectRecord, DirectState
from core.transport.base import MessagePublisher, OutgoingMessage

_STATUS: dict[DirectState, ReplyStatus] = {
    DirectState.COMPLETED: "completed",
    DirectState.FAILED: "failed",
    DirectState.BPMN_ERROR: "bpmn_error",
}
# The reply's own fields: a result variable of the same name never overwrites one of them.
_OWN_FIELDS = frozenset(field.alias or name for name, field in Reply.model_fields.items())


def reply_for(record: DirectRecord) -> Reply:
    """``accepted`` while it runs; its outcome once final (result variables also at the top level)."""
    status = _STATUS.get(record.status, "accepted")
    # A BPMN error may carry variables too; only a completed task's repeat at the top level.
    result = record.result if status in ("completed", "bpmn_error") else None
    top = result if status == "completed" else None
    extra: dict[str, Any] = {k: v for k, v in (top or {}).items() if k not in _OWN_FIELDS}
    return Reply(
        id=record.id,
        status=status,
        system=record.system,
        topic=record.topic,
        action=action_of(record.topic),
        attempts=record.attempts,
        result=result,
        error=ReplyError(**record.error) if record.error else None,
        **extra,
    )


def accepted_reply(record: DirectRecord) -> Reply:
    """The first reply to a broker submission: its record id (the outcome may already be known;
    the tracker sends that one, so a submitter always gets one ``accepted`` and one outcome)."""
    return Reply(
        id=record.id,
        status="accepted",
        system=record.system,
        topic=record.topic,
        action=action_of(record.topic),
    )


def rejected_reply(problems: list[str], *, system: str | None = None, topic: str | None = None) -> Reply:
    """For a broker submission that was refused before anything was stored."""
    return Reply(
        id=None,
        status="rejected",
        system=system,
        topic=topic,
        action=action_of(topic) if topic else None,
        error=ReplyError(message="the submission was refused", problems=problems),
    )


class ReplySender:
    def __init__(self, publisher: MessagePublisher) -> None:
        self._publisher = publisher

    def send(self, reply_to: str, correlation_id: str | None, reply: Reply) -> bool:
        """Publish with confirm; False when the queue does not exist (the record still has the outcome)."""
        message = OutgoingMessage(
            "",
            reply_to,
            reply.to_json(),
            str(uuid.uuid4()),
            correlation_id=correlation_id,
            foreign_queue=True,
        )
        error = self._publisher.publish_many([message])[0]
        if isinstance(error, PublishUnroutable):
            logger.warning(
                "reply for direct task={} not delivered: queue {!r} does not exist", reply.id, reply_to
            )
            return False
        if error is not None:
            raise error
        return True
