"""SQLite ledger (WAL): the embedded default for processes on one host.

Each thread gets its own connection (sqlite3 connections are not shared across threads);
WAL lets the worker, creator and tracker processes read while one of them writes. SQLite has
one writer at a time, so every single-statement write below is atomic across processes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from core.errors import LedgerError
from core.ledger.model import FINAL_STATES, LedgerEntry, RoutedTask, TaskState
from core.ledger.rules import COLUMNS, FINALS_SQL, ROUTED_AGAIN_SQL, routed_values, stored_origin, truncated
from core.ledger.sqlite_schema import migrate

T = TypeVar("T")

OPEN_WAIT_S = 30.0
# Page cache per connection, in KiB. Every pool thread has its own connection, and SQLite's
# default (2 MiB each) grows with the file: 8 threads reading a 5,000-task ledger held 17 MB
# more than with this bound, at the same CPU per lookup (the OS caches the file anyway).
PAGE_CACHE_KIB = 256
# Every SQLite connection of ours (the ledger here, datasets and direct records through
# core.datasets.engine): WAL lets processes read while one writes. NORMAL sync: a commit survives
# the process dying at any moment, but a power loss or an OS crash may take back the commits
# since the WAL's last sync (at a checkpoint); FULL would sync every commit (docs/ledger.md).
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
_CLEAR = object()  # a field value meaning "set to NULL" (None means "leave as it is")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class SqliteLedger:
    """The ledger on one SQLite file. All methods are safe to call from any thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._prepare()

    def _prepare(self) -> None:
        """Open and migrate; services starting together may find the file locked for a moment.

        Switching to WAL and changing the schema take an exclusive lock that SQLite's busy
        timeout does not always wait for, so a locked file is tried again for a while.
        """
        deadline = time.monotonic() + OPEN_WAIT_S
        delay = 0.05
        while True:
            try:
                migrate(self._conn(), str(self.path))
                return
            except (sqlite3.Error, LedgerError) as err:
                self.close()
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise LedgerError(f"cannot prepare the ledger at {self.path}: {err}") from err
            except BaseException:  # a schema newer than this release (ConfigError), or an interrupt
                self.close()
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                for pragma in PRAGMAS:
                    conn.execute(pragma)
            except sqlite3.Error as err:
                raise LedgerError(f"cannot open the ledger at {self.path}: {err}") from err
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def _execute(self, sql: str, params: Iterable[object] = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, tuple(params))
        except sqlite3.Error as err:
            raise LedgerError(f"ledger query failed: {err}") from err

    def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` as one transaction: all of it is committed, or none of it."""
        conn = self._conn()
        try:
            # IMMEDIATE takes the write lock up front, so a batch never fails half-way on a
            # lock upgrade; the busy timeout covers waiting for another process's write.
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            raise LedgerError(f"ledger query failed: {err}") from err
        return done

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writes -------------------------------------------------------------------------

    def record_routed(self, task: RoutedTask) -> LedgerEntry:
        """See :meth:`core.ledger.protocol.Ledger.record_routed` (the rule: ``ROUTED_AGAIN_SQL``)."""
        return self.record_routed_many([task])[0]

    def record_routed_many(self, tasks: Sequence[RoutedTask]) -> list[LedgerEntry]:
        """One transaction for the batch; each upsert returns its record (no second read)."""
        if not tasks:
            return []
        now, stamp = _now(), time.time()
        rows = self._in_transaction(
            lambda conn: [
                conn.execute(_ROUTED_SQL, _routed_row(task, now, stamp)).fetchone() for task in tasks
            ]
        )
        return [_entry(row) for row in rows]

    def mark_queued(self, external_task_id: str, queued: bool) -> None:
        """Its message was published again (``True``), or it is not in the broker at all (``False``)."""
        self._execute(
            "UPDATE tasks SET routed_at = ? WHERE external_task_id = ?",
            (time.time() if queued else None, external_task_id),
        )

    def record_attempt(self, external_task_id: str, error: str) -> int:
        """Count a failed attempt; returns the attempts so far."""
        self._execute(
            "UPDATE tasks SET attempts = attempts + 1, last_error = ?, updated_at = ? WHERE external_task_id = ?",
            (truncated(error), _now(), external_task_id),
        )
        entry = self.get(external_task_id)
        return entry.attempts if entry else 0

    def claim(self, external_task_id: str, owner: str, lease_s: float) -> bool:
        """Take the task for running its handler; False while another owner's lease is alive.

        One conditional UPDATE, so two creators (threads, processes or hosts) racing on the same
        task cannot both win. Only a task without a result can be claimed.
        """
        now = time.time()
        cursor = self._execute(
            "UPDATE tasks SET claim_owner = ?, claim_until = ?, updated_at = ?"
            " WHERE external_task_id = ? AND state = 'routed' AND result IS NULL"
            " AND (claim_owner IS NULL OR claim_until < ?)",
            (owner, now + lease_s, _now(), external_task_id, now),
        )
        return cursor.rowcount == 1

    def renew_claims(self, owner: str, lease_s: float) -> int:
        """Extend the lease of every claim ``owner`` holds; returns how many it holds."""
        cursor = self._execute(
            "UPDATE tasks SET claim_until = ? WHERE claim_owner = ?", (time.time() + lease_s, owner)
        )
        return cursor.rowcount

    def release_claim(self, external_task_id: str, owner: str) -> None:
        """Give the task up (a retry is scheduled); the next delivery may claim it."""
        self._execute(
            "UPDATE tasks SET claim_owner = NULL, claim_until = NULL"
            " WHERE external_task_id = ? AND claim_owner = ?",
            (external_task_id, owner),
        )

    def record_external(self, external_task_id: str, external_id: str, external_url: str | None) -> bool:
        """The system created a work item for this task (before anything else can go wrong)."""
        return self._set(
            external_task_id, state=TaskState.CREATED, external_id=external_id, external_url=external_url
        )

    def record_result(
        self, external_task_id: str, state: TaskState, result_json: str, *, keep_claim: bool = False
    ) -> bool:
        """Store the result record so a redelivered message re-emits it instead of redoing the work.

        The claim ends with it unless ``keep_claim``. False when the task already reached a final state.
        """
        claim = None if keep_claim else _CLEAR
        return self._set(
            external_task_id, state=state, result=result_json, claim_owner=claim, claim_until=claim
        )

    def mark(self, external_task_id: str, state: TaskState, *, error: str | None = None) -> bool:
        """Move the task to ``state``; False (and nothing written) when it is already final."""
        return self._set(external_task_id, state=state, last_error=truncated(error) if error else None)

    def mark_many(self, external_task_ids: Sequence[str], state: TaskState) -> int:
        """See :meth:`core.ledger.protocol.Ledger.mark_many`: one commit for the whole batch."""
        if not external_task_ids:
            return 0
        now = _now()
        statement = (
            "UPDATE tasks SET state = ?, updated_at = ?, claim_owner = NULL, claim_until = NULL"
            f" WHERE external_task_id = ? AND state NOT IN ({FINALS_SQL})"
        )
        rows = [(state, now, task_id) for task_id in external_task_ids]
        return self._in_transaction(lambda conn: conn.executemany(statement, rows).rowcount)

    def lease_tracked(self, owner: str, system: str, limit: int, lease_s: float) -> list[LedgerEntry]:
        """See :meth:`core.ledger.protocol.Ledger.lease_tracked`.

        One ``UPDATE … WHERE rowid IN (SELECT … LIMIT) RETURNING``: SQLite runs it under its
        single write lock, so the choice and the lease are one atomic step and two trackers
        (threads or processes on this host) never lease the same item. PostgreSQL needs
        ``FOR UPDATE SKIP LOCKED`` for the same guarantee (:mod:`core.ledger.postgres`).
        """
        if limit <= 0:
            return []
        now = time.time()
        rows = self._execute(
            "UPDATE tasks SET lease_owner = ?, lease_until = ? WHERE rowid IN ("
            " SELECT rowid FROM tasks WHERE system = ? AND state = 'tracked' AND external_id IS NOT NULL"
            " AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)"
            " ORDER BY lease_until IS NOT NULL, lease_until, rowid LIMIT ?)"
            f" RETURNING {COLUMNS}",
            (owner, now + lease_s, system, owner, now, limit),
        ).fetchall()
        return sorted((_entry(row) for row in rows), key=lambda entry: entry.created_at)

    def release_tracked(self, owner: str) -> int:
        """End every lease ``owner`` holds; returns how many it held."""
        cursor = self._execute(
            "UPDATE tasks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", (owner,)
        )
        return cursor.rowcount

    def _set(self, external_task_id: str, **fields: object) -> bool:
        fields = {k: (None if v is _CLEAR else v) for k, v in fields.items() if v is not None}
        assignments = ", ".join(f"{name} = ?" for name in fields)
        cursor = self._execute(
            f"UPDATE tasks SET {assignments}, updated_at = ?"
            f" WHERE external_task_id = ? AND state NOT IN ({FINALS_SQL})",
            (*fields.values(), _now(), external_task_id),
        )
        return cursor.rowcount == 1

    # -- reads --------------------------------------------------------------------------

    def get(self, external_task_id: str) -> LedgerEntry | None:
        row = self._execute(
            f"SELECT {COLUMNS} FROM tasks WHERE external_task_id = ?", (external_task_id,)
        ).fetchone()
        return _entry(row) if row else None

    def in_states(self, system: str | None, states: Iterable[TaskState]) -> list[LedgerEntry]:
        wanted = [str(s) for s in states]
        marks = ",".join("?" * len(wanted))
        sql = f"SELECT {COLUMNS} FROM tasks WHERE state IN ({marks})"
        params: list[object] = list(wanted)
        if system is not None:
            sql += " AND system = ?"
            params.append(system)
        return [_entry(row) for row in self._execute(sql + " ORDER BY created_at", params)]

    def for_instance(self, process_instance_id: str) -> list[LedgerEntry]:
        sql = f"SELECT {COLUMNS} FROM tasks WHERE process_instance_id = ? ORDER BY created_at"
        return [_entry(row) for row in self._execute(sql, (process_instance_id,))]

    def recent(self, limit: int) -> list[LedgerEntry]:
        """The ``limit`` records routed last, newest first, in their current state.

        By rowid (insertion order): the table's own b-tree, so no index and no sort, however
        large the ledger has grown; a dashboard asks every few seconds.
        """
        if limit <= 0:
            return []
        sql = f"SELECT {COLUMNS} FROM tasks ORDER BY rowid DESC LIMIT ?"
        return [_entry(row) for row in self._execute(sql, (limit,))]

    def counts(self) -> dict[str, int]:
        return {row[0]: row[1] for row in self._execute("SELECT state, COUNT(*) FROM tasks GROUP BY state")}

    def oldest_by_system(self, state: TaskState) -> dict[str, tuple[int, datetime]]:
        """Per system: how many records are in ``state`` and when the oldest of them was created."""
        sql = "SELECT system, COUNT(*), MIN(created_at) FROM tasks WHERE state = ? GROUP BY system"
        return {row[0]: (row[1], datetime.fromisoformat(row[2])) for row in self._execute(sql, (str(state),))}

    def is_final(self, external_task_id: str) -> bool:
        entry = self.get(external_task_id)
        return entry is not None and entry.state in FINAL_STATES


_ROUTED_SQL = (
    "INSERT INTO tasks (external_task_id, message_id, record_id, state, system, topic,"
    " process_instance_id, process_definition_key, activity_id, worker_id, lock_duration_ms,"
    " created_at, updated_at, routed_at, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    + ROUTED_AGAIN_SQL
    + f" RETURNING {COLUMNS}"
)


def _routed_row(task: RoutedTask, now: str, stamp: float) -> tuple[object, ...]:
    return (*routed_values(task), now, now, stamp, stored_origin(task))


def _entry(row: sqlite3.Row) -> LedgerEntry:
    data = dict(row)
    data["state"] = TaskState(data["state"])
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    data["updated_at"] = datetime.fromisoformat(data["updated_at"])
    return LedgerEntry(**data)
