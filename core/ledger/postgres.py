"""PostgreSQL ledger: the same records and rules as SQLite, for services on several hosts.

Every method is one statement on a pooled connection in autocommit mode, so each write is its
own transaction, and the rules that SQLite keeps with its single writer hold here by row locks:
an ``UPDATE … WHERE <condition>`` that waits for a concurrent writer re-checks its condition on
the row that writer committed (READ COMMITTED), so of two creators claiming a task, or two
writers finishing one, exactly one matches and the other changes nothing.

Leases and queue stamps are computed from the *database's* clock (``statement_timestamp()``),
so hosts whose clocks drift apart still agree on whose lease is alive.

Pool: at least one connection (a service's first call does not wait for a connect), at most
``POOL_MAX``. Each call holds a connection for one statement (a millisecond on a LAN), so a
few connections serve a service's threads; a call waits up to ``POOL_WAIT_S`` for one. A pooled
connection is checked before use, so one that a database restart broke is replaced instead of
failing a write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from core.dsn import libpq_dsn, printable
from core.errors import ConfigError, LedgerError
from core.ledger.model import FINAL_STATES, LedgerEntry, RoutedTask, TaskState
from core.ledger.postgres_schema import migrate
from core.ledger.rules import COLUMNS, FINALS_SQL, ROUTED_AGAIN_SQL, routed_values, stored_origin, truncated
from core.redact import redact

POOL_MIN = 1
POOL_MAX = 8
POOL_WAIT_S = 30.0
CONNECT_TIMEOUT_S = 10  # libpq's own default is to wait forever on an unreachable host
_NOW = "extract(epoch FROM statement_timestamp())::float8"  # the database's clock, epoch seconds
_CLEAR = object()  # a field value meaning "set to NULL" (None means "leave as it is")


class PostgresLedger:
    """The ledger in one PostgreSQL database (schema: the connection's ``search_path``)."""

    def __init__(self, dsn: str, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX) -> None:
        self.where = printable(dsn)
        conninfo = _conninfo(dsn)
        self._migrate(conninfo)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,
            timeout=POOL_WAIT_S,
            name="exchanger-ledger",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=POOL_WAIT_S)
        except psycopg.Error as err:
            self._pool.close()
            raise LedgerError(f"cannot open the ledger at {self.where}: {_reason(err)}") from err

    def _migrate(self, conninfo: str) -> None:
        """On a connection of its own: a connect error names its cause (a pool would only time out)."""
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                migrate(conn, self.where)
        except psycopg.Error as err:
            raise LedgerError(f"cannot prepare the ledger at {self.where}: {_reason(err)}") from err

    def close(self) -> None:
        """Close the pool; a call after this raises LedgerError."""
        self._pool.close()

    # -- writes -------------------------------------------------------------------------

    def record_routed(self, task: RoutedTask) -> LedgerEntry:
        """See :meth:`core.ledger.protocol.Ledger.record_routed`; one upsert that returns the record."""
        return self.record_routed_many([task])[0]

    def record_routed_many(self, tasks: Sequence[RoutedTask]) -> list[LedgerEntry]:
        """The batch's upserts in one transaction on one connection: one commit for all."""
        if not tasks:
            return []
        try:
            with (
                self._pool.connection() as conn,
                conn.transaction(),
                conn.cursor(row_factory=dict_row) as cursor,
            ):
                cursor.executemany(_ROUTED_SQL, [_routed_row(task) for task in tasks], returning=True)
                rows = [row for result in cursor.results() for row in result.fetchall()]
        except psycopg.Error as err:
            raise LedgerError(f"ledger query failed: {_reason(err)}") from err
        return [_entry(row) for row in rows]

    def mark_queued(self, external_task_id: str, queued: bool) -> None:
        stamp = _NOW if queued else "NULL"
        self._count(f"UPDATE tasks SET routed_at = {stamp} WHERE external_task_id = %s", (external_task_id,))

    def record_attempt(self, external_task_id: str, error: str) -> int:
        rows = self._rows(
            "UPDATE tasks SET attempts = attempts + 1, last_error = %s, updated_at = now()"
            " WHERE external_task_id = %s RETURNING attempts",
            (truncated(error), external_task_id),
        )
        return int(rows[0]["attempts"]) if rows else 0

    def claim(self, external_task_id: str, owner: str, lease_s: float) -> bool:
        """See the protocol. A racing claim waits for the winner's row lock, then finds the task claimed."""
        return (
            self._count(
                f"UPDATE tasks SET claim_owner = %s, claim_until = {_NOW} + %s, updated_at = now()"
                " WHERE external_task_id = %s AND state = 'routed' AND result IS NULL"
                f" AND (claim_owner IS NULL OR claim_until < {_NOW})",
                (owner, lease_s, external_task_id),
            )
            == 1
        )

    def renew_claims(self, owner: str, lease_s: float) -> int:
        return self._count(
            f"UPDATE tasks SET claim_until = {_NOW} + %s WHERE claim_owner = %s", (lease_s, owner)
        )

    def release_claim(self, external_task_id: str, owner: str) -> None:
        self._count(
            "UPDATE tasks SET claim_owner = NULL, claim_until = NULL WHERE external_task_id = %s AND claim_owner = %s",
            (external_task_id, owner),
        )

    def record_external(self, external_task_id: str, external_id: str, external_url: str | None) -> bool:
        return self._set(
            external_task_id, state=TaskState.CREATED, external_id=external_id, external_url=external_url
        )

    def record_result(
        self, external_task_id: str, state: TaskState, result_json: str, *, keep_claim: bool = False
    ) -> bool:
        claim = None if keep_claim else _CLEAR
        return self._set(
            external_task_id, state=state, result=result_json, claim_owner=claim, claim_until=claim
        )

    def mark(self, external_task_id: str, state: TaskState, *, error: str | None = None) -> bool:
        return self._set(external_task_id, state=state, last_error=truncated(error) if error else None)

    def mark_many(self, external_task_ids: Sequence[str], state: TaskState) -> int:
        """See :meth:`core.ledger.protocol.Ledger.mark_many`: one statement, one commit."""
        if not external_task_ids:
            return 0
        return self._count(
            "UPDATE tasks SET state = %s, updated_at = now(), claim_owner = NULL, claim_until = NULL"
            f" WHERE external_task_id = ANY(%s) AND state NOT IN ({FINALS_SQL})",
            (str(state), list(external_task_ids)),
        )

    def lease_tracked(self, owner: str, system: str, limit: int, lease_s: float) -> list[LedgerEntry]:
        """See :meth:`core.ledger.protocol.Ledger.lease_tracked`.

        ``SELECT … FOR UPDATE SKIP LOCKED`` picks the items and locks them; the ``UPDATE``
        writes the lease (owner and until) in the same statement. Two trackers leasing at the
        same moment skip each other's locked rows instead of queueing behind them, so each
        gets a full batch of different items at once; a row another tracker leased and
        committed meanwhile is re-checked under its lock and left out while that lease lives.
        The lease column (not the row lock, which ends with the statement) is what keeps an
        item with one tracker between polls; a tracker that dies simply lets its leases run out.
        """
        if limit <= 0:
            return []
        rows = self._rows(
            f"UPDATE tasks SET lease_owner = %(owner)s, lease_until = {_NOW} + %(lease)s"
            " WHERE external_task_id IN ("
            " SELECT external_task_id FROM tasks"
            " WHERE system = %(system)s AND state = 'tracked' AND external_id IS NOT NULL"
            f" AND (lease_owner IS NULL OR lease_owner = %(owner)s OR lease_until < {_NOW})"
            " ORDER BY lease_until NULLS FIRST, seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
            f" RETURNING {COLUMNS}",
            {"owner": owner, "lease": lease_s, "system": system, "limit": limit},
        )
        return sorted((_entry(row) for row in rows), key=lambda entry: entry.created_at)

    def release_tracked(self, owner: str) -> int:
        return self._count(
            "UPDATE tasks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = %s", (owner,)
        )

    def _set(self, external_task_id: str, **fields: object) -> bool:
        """One guarded UPDATE: a task in a final state matches nothing, also when a race put it there."""
        values = {
            name: (None if value is _CLEAR else value) for name, value in fields.items() if value is not None
        }
        assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(name)) for name in values)
        statement = sql.SQL(
            "UPDATE tasks SET {}, updated_at = now() WHERE external_task_id = %s AND state NOT IN ({})"
        ).format(assignments, sql.SQL(FINALS_SQL))
        params = [str(v) if isinstance(v, TaskState) else v for v in values.values()]
        return self._count(statement, (*params, external_task_id)) == 1

    # -- reads --------------------------------------------------------------------------

    def get(self, external_task_id: str) -> LedgerEntry | None:
        rows = self._rows(f"SELECT {COLUMNS} FROM tasks WHERE external_task_id = %s", (external_task_id,))
        return _entry(rows[0]) if rows else None

    def in_states(self, system: str | None, states: Iterable[TaskState]) -> list[LedgerEntry]:
        wanted = [str(state) for state in states]
        if system is None:
            query = f"SELECT {COLUMNS} FROM tasks WHERE state = ANY(%s) ORDER BY created_at, seq"
            return [_entry(row) for row in self._rows(query, (wanted,))]
        query = f"SELECT {COLUMNS} FROM tasks WHERE state = ANY(%s) AND system = %s ORDER BY created_at, seq"
        return [_entry(row) for row in self._rows(query, (wanted, system))]

    def for_instance(self, process_instance_id: str) -> list[LedgerEntry]:
        query = f"SELECT {COLUMNS} FROM tasks WHERE process_instance_id = %s ORDER BY created_at, seq"
        return [_entry(row) for row in self._rows(query, (process_instance_id,))]

    def recent(self, limit: int) -> list[LedgerEntry]:
        """The ``limit`` records routed last, newest first: a backward scan of the ``seq`` index."""
        if limit <= 0:
            return []
        query = f"SELECT {COLUMNS} FROM tasks ORDER BY seq DESC LIMIT %s"
        return [_entry(row) for row in self._rows(query, (limit,))]

    def counts(self) -> dict[str, int]:
        rows = self._rows("SELECT state, COUNT(*) AS n FROM tasks GROUP BY state")
        return {row["state"]: int(row["n"]) for row in rows}

    def oldest_by_system(self, state: TaskState) -> dict[str, tuple[int, datetime]]:
        rows = self._rows(
            "SELECT system, COUNT(*) AS n, MIN(created_at) AS oldest FROM tasks WHERE state = %s GROUP BY system",
            (str(state),),
        )
        return {row["system"]: (int(row["n"]), row["oldest"].astimezone(UTC)) for row in rows}

    def is_final(self, external_task_id: str) -> bool:
        entry = self.get(external_task_id)
        return entry is not None and entry.state in FINAL_STATES

    # -- plumbing -----------------------------------------------------------------------

    @contextmanager
    def _cursor(self) -> Iterator[psycopg.Cursor[dict[str, Any]]]:
        try:
            with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
                yield cursor
        except psycopg.Error as err:
            raise LedgerError(f"ledger query failed: {_reason(err)}") from err

    def _rows(self, query: str | sql.Composed, params: Any = ()) -> list[dict[str, Any]]:
        with self._cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def _count(self, query: str | sql.Composed, params: Any = ()) -> int:
        with self._cursor() as cursor:
            cursor.execute(query, params)
            return cursor.rowcount


_ROUTED_SQL = (
    "INSERT INTO tasks (external_task_id, message_id, record_id, state, system, topic,"
    " process_instance_id, process_definition_key, activity_id, worker_id, lock_duration_ms,"
    " created_at, updated_at, routed_at, origin)"
    f" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), now(), {_NOW}, %s)"
    + ROUTED_AGAIN_SQL
    + f" RETURNING {COLUMNS}"
)


def _routed_row(task: RoutedTask) -> tuple[object, ...]:
    return (*routed_values(task), stored_origin(task))


def _conninfo(dsn: str) -> str:
    """libpq's connection string, with a connect timeout and a name ``pg_stat_activity`` shows."""
    url = libpq_dsn(dsn)
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError as err:
        raise ConfigError(
            f"invalid PostgreSQL DSN {printable(dsn)}: {_reason(err)}", key="ledger.dsn"
        ) from err
    defaults: dict[str, str | int] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "exchanger-ledger",
    }
    return make_conninfo(url, **{key: value for key, value in defaults.items() if key not in given})


def _reason(err: psycopg.Error) -> str:
    """The server's primary message (not the statement, nor the row values a DETAIL may show),
    or the driver's for a connection error; any secret masked."""
    message = err.diag.message_primary or str(err)
    return redact(f"{type(err).__name__}: {' '.join(message.split())}")


def _entry(row: dict[str, Any]) -> LedgerEntry:
    data = dict(row)
    data["state"] = TaskState(data["state"])
    data["created_at"] = data["created_at"].astimezone(UTC)
    data["updated_at"] = data["updated_at"].astimezone(UTC)
    return LedgerEntry(**data)
