"""One schema definition for datasets and stored tables, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

datasets = Table(
    "datasets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("state", String(16), nullable=False),  # open → finished; a finished dataset never changes
    Column("rows", Integer, nullable=False, default=0),
    Column("time_from", String(40)),
    Column("time_to", String(40)),
    Column("checksum", String(80)),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),
)

dataset_chunks = Table(
    "dataset_chunks",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("chunk_key", String(200), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("cursor", Text),
    Column("stored_at", Float, nullable=False),
    Index("dataset_chunks_seq", "dataset_id", "seq", unique=True),
)

dataset_rows = Table(
    "dataset_rows",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the chunk's place in the dataset
    Column("row_no", Integer, primary_key=True),
    Column("data", Text, nullable=False),  # the row as canonical JSON
)

# Rows upserted into named tables by a declared key (``storage.upsert``).
stored_rows = Table(
    "stored_rows",
    metadata,
    Column("table_name", String(100), primary_key=True),
    Column("row_key", String(500), primary_key=True),
    Column("data", Text, nullable=False),
    Column("dataset_id", String(64)),
    Column("updated_at", Float, nullable=False),
)
