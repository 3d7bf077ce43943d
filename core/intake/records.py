"""Direct-task records: one row per submission, in the ledger's database (SQLite or PostgreSQL).

    accepted → queued → (tracked →) completed | failed | bpmn_error

``accepted`` is stored before the task message is published and ``queued`` after the broker
confirmed it, so a crash in between leaves a record that :meth:`DirectStore.unqueued` finds
and the API publishes again (the creator's ledger makes a second copy harmless). A final
record is never changed again, apart from noting when its reply went out.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from core.contracts.direct import Submission
from core.datasets.engine import WRITE, create_dataset_engine, database_reason, prepare_schema
from core.errors import DirectTaskNotFound, IdempotencyConflict, LedgerError
from core.ledger import LedgerEntry


class DirectState(StrEnum):
    ACCEPTED = "accepted"
    QUEUED = "queued"
    TRACKED = "tracked"
    COMPLETED = "completed"
    FAILED = "failed"
    BPMN_ERROR = "bpmn_error"


FINAL = frozenset({DirectState.COMPLETED, DirectState.FAILED, DirectState.BPMN_ERROR})

metadata = MetaData()
direct_tasks = Table(
    "direct_tasks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("idempotency_key", String(200), unique=True),
    Column("fingerprint", String(64), nullable=False),  # what was submitted, to tell a key's reuse
    Column("system", String(100), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("business_key", String(255)),
    Column("variables", Text, nullable=False),
    Column("reply_to", String(255)),
    Column("correlation_id", String(255)),
    Column("channel", String(16), nullable=False),  # rest | broker | cli
    Column("submitted_by", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer),
    Column("result", Text),  # the result variables (JSON), once completed
    Column("error", Text),  # {message, code, details} (JSON), once failed or bpmn_error
    Column("external_id", String(200)),
    Column("external_url", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("replied_at", Float),
    Index("direct_tasks_status", "status", "system"),
    Index("direct_tasks_created", "created_at"),
)


@dataclass(frozen=True)
class Submitter:
    """Who submitted, over which channel, and where replies go."""

    channel: str
    name: str
    reply_to: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class DirectRecord:
    id: str
    system: str
    topic: str
    business_key: str | None
    variables: dict[str, Any]
    reply_to: str | None
    correlation_id: str | None
    channel: str
    submitted_by: str
    status: DirectState
    attempts: int | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    external_id: str | None
    external_url: str | None
    created_at: float
    updated_at: float
    finished_at: float | None
    replied_at: float | None
    idempotency_key: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def attempts_so_far(self, entry: LedgerEntry | None) -> int | None:
        """The stored count once final; while it runs, the creator's count in the ledger."""
        if self.attempts is not None:
            return self.attempts
        return entry.attempts if entry else None


@dataclass(frozen=True)
class Page:
    items: list[DirectRecord]
    total: int
    offset: int
    limit: int


def fingerprint(submission: Submission) -> str:
    """The same submission always hashes the same, whatever the key order of its variables."""
    body = submission.model_dump(mode="json", exclude={"idempotency_key", "reply_to"})
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DirectStore:
    """Direct-task records. Safe to share across threads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        try:
            prepare_schema(engine, metadata)
        except SQLAlchemyError as err:
            raise LedgerError(f"cannot prepare the direct-task records: {database_reason(err)}") from err

    @classmethod
    def open(cls, dsn: str) -> DirectStore:
        return cls(create_dataset_engine(dsn))

    def close(self) -> None:
        self._engine.dispose()

    # -- writes ---------------------------------------------------------------------------

    def create(self, submission: Submission, submitter: Submitter) -> tuple[DirectRecord, bool]:
        """Store a new record; with a known idempotency key, the record it named (False).

        A key reused for a different submission raises IdempotencyConflict.
        """
        key = submission.idempotency_key
        printed = fingerprint(submission)
        if key is not None:
            known = self._by_key(key)
            if known is not None:
                return self._same(known, printed, key), False
        now = time.time()
        record_id = str(uuid.uuid4())
        row = {
            "id": record_id,
            "idempotency_key": key,
            "fingerprint": printed,
            "system": submission.system,
            "topic": submission.topic,
            "business_key": submission.business_key,
            "variables": json.dumps(submission.variables, ensure_ascii=False, default=_json_value),
            "reply_to": submitter.reply_to,
            "correlation_id": submitter.correlation_id,
            "channel": submitter.channel,
            "submitted_by": submitter.name,
            "status": DirectState.ACCEPTED,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self._write() as conn:
                conn.execute(direct_tasks.insert().values(**row))
        except IntegrityError:  # the same key, submitted at the same moment by another caller
            known = self._by_key(key) if key else None
            if known is None:
                raise
            return self._same(known, printed, key or ""), False
        return self.get(record_id), True

    def mark_queued(self, record_id: str) -> None:
        self._update(record_id, {"status": DirectState.QUEUED}, only_from={DirectState.ACCEPTED})

    def mark_tracked(self, record_id: str, external_id: str, external_url: str | None) -> bool:
        return self._update(
            record_id,
            {"status": DirectState.TRACKED, "external_id": external_id, "external_url": external_url},
            only_from={DirectState.ACCEPTED, DirectState.QUEUED},
        )

    def finish(
        self,
        record_id: str,
        status: DirectState,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        attempts: int | None = None,
    ) -> bool:
        """Store the outcome; False when the record was final already (a duplicate result)."""
        fields: dict[str, Any] = {"status": status, "finished_at": time.time(), "attempts": attempts}
        if result is not None:
            fields["result"] = json.dumps(result, ensure_ascii=False, default=_json_value)
        if error is not None:
            fields["error"] = json.dumps(error, ensure_ascii=False, default=_json_value)
        open_states = {DirectState.ACCEPTED, DirectState.QUEUED, DirectState.TRACKED}
        return self._update(record_id, fields, only_from=open_states)

    def mark_replied(self, record_id: str) -> None:
        self._update(record_id, {"replied_at": time.time()}, only_from=set(DirectState))

    def purge_finished_before(self, cutoff: float) -> int:
        """Retention: forget final records finished before ``cutoff`` (epoch seconds)."""
        statement = direct_tasks.delete().where(
            direct_tasks.c.status.in_([str(s) for s in FINAL]), direct_tasks.c.finished_at < cutoff
        )
        with self._write() as conn:
            return int(conn.execute(statement).rowcount or 0)

    # -- reads ----------------------------------------------------------------------------

    def get(self, record_id: str) -> DirectRecord:
        with self._read() as conn:
            row = conn.execute(select(direct_tasks).where(direct_tasks.c.id == record_id)).first()
        if row is None:
            raise DirectTaskNotFound(f"no direct task {record_id}")
        return _record(row._mapping)

    def find(self, record_id: str) -> DirectRecord | None:
        try:
            return self.get(record_id)
        except DirectTaskNotFound:
            return None

    def page(
        self, *, status: str | None = None, system: str | None = None, offset: int = 0, limit: int = 50
    ) -> Page:
        """Newest first."""
        conditions = []
        if status:
            conditions.append(direct_tasks.c.status == status)
        if system:
            conditions.append(direct_tasks.c.system == system)
        query = select(direct_tasks).where(*conditions)
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(
                query.order_by(direct_tasks.c.created_at.desc(), direct_tasks.c.id)
                .offset(offset)
                .limit(limit)
            ).all()
        return Page([_record(row._mapping) for row in rows], int(total), offset, limit)

    def unqueued(self, older_than_s: float) -> list[DirectRecord]:
        """Records stored but never confirmed on the broker (their submitter's process died)."""
        cutoff = time.time() - older_than_s
        query = select(direct_tasks).where(
            direct_tasks.c.status == DirectState.ACCEPTED, direct_tasks.c.created_at < cutoff
        )
        with self._read() as conn:
            return [_record(row._mapping) for row in conn.execute(query.order_by(direct_tasks.c.created_at))]

    def unreplied(self, older_than_s: float, limit: int = 100) -> list[DirectRecord]:
        """Final records whose reply was never sent (the tracker that stored them died first)."""
        cutoff = time.time() - older_than_s
        query = select(direct_tasks).where(
            direct_tasks.c.status.in_([str(s) for s in FINAL]),
            direct_tasks.c.reply_to.is_not(None),
            direct_tasks.c.replied_at.is_(None),
            direct_tasks.c.finished_at < cutoff,
        )
        with self._read() as conn:
            rows = conn.execute(query.order_by(direct_tasks.c.finished_at).limit(limit))
            return [_record(row._mapping) for row in rows]

    # -- plumbing -------------------------------------------------------------------------

    def _by_key(self, key: str) -> DirectRecord | None:
        with self._read() as conn:
            row = conn.execute(select(direct_tasks).where(direct_tasks.c.idempotency_key == key)).first()
        return _record(row._mapping) if row else None

    def _same(self, known: DirectRecord, printed: str, key: str) -> DirectRecord:
        with self._read() as conn:
            stored = conn.execute(
                select(direct_tasks.c.fingerprint).where(direct_tasks.c.id == known.id)
            ).scalar_one()
        if stored != printed:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was used for a different submission (task {known.id})"
            )
        return known

    def _update(self, record_id: str, fields: dict[str, Any], *, only_from: set[DirectState]) -> bool:
        statement = (
            direct_tasks.update()
            .where(direct_tasks.c.id == record_id, direct_tasks.c.status.in_([str(s) for s in only_from]))
            .values(updated_at=time.time(), **fields)
        )
        with self._write() as conn:
            return bool(conn.execute(statement).rowcount)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                yield conn
        except IntegrityError:
            raise
        except SQLAlchemyError as err:
            raise LedgerError(f"direct-task records: {database_reason(err)}") from err

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as err:
            raise LedgerError(f"direct-task records: {database_reason(err)}") from err


def _json_value(value: Any) -> Any:
    """Dates and times as ISO 8601 (what a JSON reader expects); anything else as its text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _record(row: Any) -> DirectRecord:
    data = {column: row[column] for column in row if column != "fingerprint"}
    data["status"] = DirectState(data["status"])
    data["variables"] = json.loads(data["variables"])
    data["result"] = json.loads(data["result"]) if data["result"] else None
    data["error"] = json.loads(data["error"]) if data["error"] else None
    data["attempts"] = int(data["attempts"]) if data["attempts"] is not None else None
    return DirectRecord(**data)
