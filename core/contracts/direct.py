"""Direct tasks: what a submitter sends (REST body or intake-queue message) and the replies it gets.

A direct task runs one system's action without any process. The submitter gets the record
id at once (``accepted``) and the outcome later, on its own reply queue, as one reply of the
same shape. A completed reply also carries the result variables at its top level, so a
client that reads ``bitrix_lead_id`` next to ``status`` and ``action`` finds it there.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from core.contracts.base import Contract, now_utc, parse_contract

SUBMISSION_SCHEMA = "exchanger.submit/1"
REPLY_SCHEMA = "exchanger.reply/1"

ReplyStatus = Literal["accepted", "rejected", "completed", "failed", "bpmn_error"]


class Submission(Contract):
    """One task for one system, without a process."""

    schema_: Literal["exchanger.submit/1"] = Field(default="exchanger.submit/1", alias="schema")
    system: str = Field(min_length=1, max_length=100)
    topic: str = Field(min_length=1, max_length=200)
    variables: dict[str, Any] = Field(default_factory=dict)
    business_key: str | None = Field(default=None, max_length=255)
    reply_to: str | None = Field(
        default=None,
        max_length=255,
        description="a queue for the replies (REST; the broker uses the AMQP property)",
    )
    idempotency_key: str | None = Field(
        default=None,
        max_length=200,
        description="the same key returns the same record (REST: the Idempotency-Key header; broker: this or the message id)",
    )


class ReplyError(Contract):
    message: str
    code: str | None = Field(default=None, description="the BPMN error code, for bpmn_error")
    details: str | None = None
    problems: list[str] | None = Field(default=None, description="every validation problem, for rejected")


class Reply(Contract):
    """One reply on the submitter's queue; ``correlation_id`` travels as the AMQP property."""

    # Result variables ride at the top level too (the lead service reads them there).
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    schema_: Literal["exchanger.reply/1"] = Field(default="exchanger.reply/1", alias="schema")
    id: str | None = Field(description="the direct task's record id (None only when rejected before storing)")
    status: ReplyStatus
    system: str | None = None
    topic: str | None = None
    action: str | None = Field(default=None, description="the topic's last part: create, update, move, …")
    attempts: int | None = None
    result: dict[str, Any] | None = None
    error: ReplyError | None = None
    at: datetime = Field(default_factory=now_utc)

    def to_json(self) -> bytes:
        """Without empty fields, but always with ``id`` (null for a submission refused unstored)."""
        data = self.model_dump(mode="json", exclude_none=True, by_alias=True)
        data.setdefault("id", None)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


def action_of(topic: str) -> str:
    """``bitrix24.lead.create`` → ``create``."""
    return topic.rsplit(".", 1)[-1]


def parse_submission(body: bytes | str) -> Submission:
    """Validate a received submission; raises ContractError naming every problem (up to five)."""
    return parse_contract(Submission, body)
