"""A schema of its own per test on the real PostgreSQL, so tests never see each other's rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from psycopg import sql


def in_schema(dsn: str, schema: str) -> str:
    """``dsn`` whose connections resolve table names in ``schema`` (and nowhere else)."""
    joiner = "&" if "?" in dsn else "?"
    return f"{dsn}{joiner}options={quote(f'-csearch_path={schema}', safe='')}"


@contextmanager
def fresh_schema(dsn: str) -> Iterator[str]:
    """A new, empty schema; yields a DSN that uses it, and drops it (with every table) afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield in_schema(dsn, schema)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
