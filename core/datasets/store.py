"""Datasets written in chunks (idempotent, resumable) and tables upserted by a declared key."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from core.datasets.engine import WRITE, create_dataset_engine, database_reason, prepare_schema
from core.datasets.reference import DatasetError, DatasetRef, DatasetStoreUnavailable
from core.datasets.schema import dataset_chunks, dataset_rows, datasets, metadata, stored_rows

OPEN = "open"
FINISHED = "finished"
UPSERT_BATCH = 500


def canonical(row: Mapping[str, Any]) -> str:
    """One spelling per row, so checksums and row keys compare equal across runs."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class UpsertResult:
    written: int  # rows sent (a repeated upsert writes the same values again)
    table_rows: int  # rows in the table afterwards


class DatasetStore:
    """Datasets and stored tables in one database. Safe to share across threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            prepare_schema(engine, metadata)
        except SQLAlchemyError as err:
            raise DatasetStoreUnavailable(
                f"cannot prepare the dataset store: {database_reason(err)}"
            ) from err

    @classmethod
    def open(cls, dsn: str) -> DatasetStore:
        return cls(create_dataset_engine(dsn))

    def close(self) -> None:
        self.engine.dispose()

    def writer(self, dataset_id: str, kind: str) -> DatasetWriter:
        """Start the dataset, or reopen it where an interrupted run left it."""
        with self._begin() as conn:
            # ON CONFLICT DO NOTHING: two runs of one task (on two hosts) may start it together.
            start = _dialect(conn).insert(datasets).on_conflict_do_nothing(index_elements=[datasets.c.id])
            conn.execute(start.values(id=dataset_id, kind=kind, state=OPEN, rows=0, created_at=time.time()))
            found = conn.execute(select(datasets.c.kind).where(datasets.c.id == dataset_id)).one()
            if found.kind != kind:
                raise DatasetError(f"dataset {dataset_id} holds {found.kind}, not {kind}")
        return DatasetWriter(self, dataset_id, kind)

    def finished(self, dataset_id: str) -> DatasetRef | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(datasets).where(datasets.c.id == dataset_id)).first()
        if row is None or row.state != FINISHED:
            return None
        return DatasetRef(row.id, row.kind, row.rows, row.time_from, row.time_to, row.checksum)

    def rows(self, ref: DatasetRef | str) -> Iterator[dict[str, Any]]:
        """The rows of a finished dataset, in the order they were stored."""
        dataset_id = ref.id if isinstance(ref, DatasetRef) else ref
        found = self.finished(dataset_id)
        if found is None:
            raise DatasetError(f"dataset {dataset_id} is unknown or not finished")
        if isinstance(ref, DatasetRef) and ref.checksum != found.checksum:
            raise DatasetError(f"dataset {dataset_id} does not match its reference (checksum differs)")
        yield from self._stored_rows(dataset_id)

    def upsert(
        self,
        table: str,
        key: Sequence[str],
        rows: Iterable[Mapping[str, Any]],
        *,
        dataset_id: str | None = None,
    ) -> UpsertResult:
        """Insert or replace rows by ``key``; repeating an upsert leaves the same rows."""
        if not key:
            raise DatasetError(f"table {table!r}: no key fields declared")
        written = 0
        batch: list[dict[str, Any]] = []
        with self._begin() as conn:
            for row in rows:
                batch.append(_stored_row(table, key, row, dataset_id))
                if len(batch) >= UPSERT_BATCH:
                    written += self._upsert_batch(conn, batch)
                    batch = []
            if batch:
                written += self._upsert_batch(conn, batch)
            total = conn.execute(
                select(func.count()).select_from(stored_rows).where(stored_rows.c.table_name == table)
            ).scalar_one()
        return UpsertResult(written=written, table_rows=int(total))

    def table_rows(self, table: str) -> Iterator[dict[str, Any]]:
        """A stored table's rows, ordered by the text of their key."""
        query = (
            select(stored_rows.c.data)
            .where(stored_rows.c.table_name == table)
            .order_by(stored_rows.c.row_key)
        )
        with self.engine.connect() as conn:
            for (data,) in conn.execute(query):
                yield json.loads(data)

    # -- used by DatasetWriter ------------------------------------------------------------

    def _begin(self) -> Any:
        return _Transaction(self.engine)

    def _stored_rows(self, dataset_id: str) -> Iterator[dict[str, Any]]:
        query = (
            select(dataset_rows.c.data)
            .where(dataset_rows.c.dataset_id == dataset_id)
            .order_by(dataset_rows.c.seq, dataset_rows.c.row_no)
        )
        with self.engine.connect() as conn:
            for (data,) in conn.execute(query):
                yield json.loads(data)

    def _upsert_batch(self, conn: Connection, batch: list[dict[str, Any]]) -> int:
        statement = _dialect(conn).insert(stored_rows)
        statement = statement.on_conflict_do_update(
            index_elements=[stored_rows.c.table_name, stored_rows.c.row_key],
            set_={
                "data": statement.excluded.data,
                "dataset_id": statement.excluded.dataset_id,
                "updated_at": statement.excluded.updated_at,
            },
        )
        conn.execute(statement, batch)
        return len(batch)


class DatasetWriter:
    """Appends chunks to one open dataset; a chunk stored once is never stored again."""

    def __init__(self, store: DatasetStore, dataset_id: str, kind: str) -> None:
        self.store = store
        self.id = dataset_id
        self.kind = kind

    def chunk_keys(self) -> set[str]:
        query = select(dataset_chunks.c.chunk_key).where(dataset_chunks.c.dataset_id == self.id)
        with self.store.engine.connect() as conn:
            return {key for (key,) in conn.execute(query)}

    def last_cursor(self) -> str | None:
        query = (
            select(dataset_chunks.c.cursor)
            .where(dataset_chunks.c.dataset_id == self.id)
            .order_by(dataset_chunks.c.seq.desc())
            .limit(1)
        )
        with self.store.engine.connect() as conn:
            found = conn.execute(query).first()
        return None if found is None else found.cursor

    def append(self, chunk_key: str, rows: Sequence[Mapping[str, Any]], cursor: str | None = None) -> bool:
        """Store one chunk atomically; False (and nothing stored) when it is already there."""
        try:
            with self.store._begin() as conn:
                if self._is_finished(conn):
                    if self._has_chunk(conn, chunk_key):
                        return False  # a repeated run of a task that finished this dataset
                    raise DatasetError(f"dataset {self.id} is finished; it takes no more rows")
                seq = conn.execute(
                    select(func.coalesce(func.max(dataset_chunks.c.seq), 0)).where(
                        dataset_chunks.c.dataset_id == self.id
                    )
                ).scalar_one()
                conn.execute(
                    dataset_chunks.insert().values(
                        dataset_id=self.id,
                        chunk_key=chunk_key,
                        seq=int(seq) + 1,
                        rows=len(rows),
                        cursor=cursor,
                        stored_at=time.time(),
                    )
                )
                if rows:
                    conn.execute(
                        dataset_rows.insert(),
                        [
                            {"dataset_id": self.id, "seq": int(seq) + 1, "row_no": n, "data": canonical(row)}
                            for n, row in enumerate(rows)
                        ],
                    )
        except IntegrityError:
            return False  # the chunk (or a racing copy of it) is stored already
        return True

    def finish(self, time_from: str | None = None, time_to: str | None = None) -> DatasetRef:
        """Close the dataset: its row count and checksum are fixed from now on."""
        done = self.store.finished(self.id)
        if done is not None:
            return done
        digest = hashlib.sha256()
        count = 0
        for row in self.store._stored_rows(self.id):
            digest.update(canonical(row).encode("utf-8"))
            digest.update(b"\n")
            count += 1
        checksum = f"sha256:{digest.hexdigest()}"
        with self.store._begin() as conn:
            conn.execute(
                update(datasets)
                .where(datasets.c.id == self.id, datasets.c.state == OPEN)
                .values(
                    state=FINISHED,
                    rows=count,
                    time_from=time_from,
                    time_to=time_to,
                    checksum=checksum,
                    finished_at=time.time(),
                )
            )
        done = self.store.finished(self.id)
        if done is None:
            raise DatasetError(f"dataset {self.id} vanished while it was being finished")
        return done

    def _has_chunk(self, conn: Connection, chunk_key: str) -> bool:
        query = select(dataset_chunks.c.seq).where(
            dataset_chunks.c.dataset_id == self.id, dataset_chunks.c.chunk_key == chunk_key
        )
        return conn.execute(query).first() is not None

    def _is_finished(self, conn: Connection) -> bool:
        """Locks the dataset's row to the commit (PostgreSQL), so appends to one dataset take turns
        and each numbers its chunk after the last one; SQLite's write lock does that already."""
        query = select(datasets.c.state).where(datasets.c.id == self.id).with_for_update()
        return conn.execute(query).scalar_one_or_none() == FINISHED


class _Transaction:
    """``engine.begin()`` whose database errors become DatasetStoreUnavailable (retryable, names the cause)."""

    def __init__(self, engine: Engine) -> None:
        self._context = engine.execution_options(**{WRITE: True}).begin()

    def __enter__(self) -> Connection:
        try:
            return self._context.__enter__()
        except SQLAlchemyError as err:
            raise DatasetStoreUnavailable(f"dataset store unavailable: {database_reason(err)}") from err

    def __exit__(self, *exc: Any) -> bool | None:
        try:
            return self._context.__exit__(*exc)
        except IntegrityError:
            raise
        except SQLAlchemyError as err:
            raise DatasetStoreUnavailable(f"dataset store write failed: {database_reason(err)}") from err


def _dialect(conn: Connection) -> Any:
    """The dialect module whose ``insert`` knows ``ON CONFLICT`` (both databases speak it)."""
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def _stored_row(
    table: str, key: Sequence[str], row: Mapping[str, Any], dataset_id: str | None
) -> dict[str, Any]:
    missing = [field for field in key if row.get(field) is None]
    if missing:
        raise DatasetError(f"table {table!r}: a row has no value for key field(s) {', '.join(missing)}")
    return {
        "table_name": table,
        "row_key": json.dumps([row[field] for field in key], ensure_ascii=False, default=str),
        "data": canonical(row),
        "dataset_id": dataset_id,
        "updated_at": time.time(),
    }
