"""Datasets: rows that never travel in process variables, and the tables they are upserted into.

Marketplace actions write their rows here in chunks (idempotent, resumable) and hand the
process a small :class:`DatasetRef`. The store lives in the database family of the ledger:
an SQLite file beside it on one host, the ledger's PostgreSQL database on several.
"""

from core.datasets.reference import DatasetError, DatasetRef, DatasetStoreUnavailable, dataset_id_for
from core.datasets.shared import close, configure, open_store, shared_store
from core.datasets.store import DatasetStore, DatasetWriter, UpsertResult, canonical

__all__ = [
    "DatasetError",
    "DatasetRef",
    "DatasetStore",
    "DatasetStoreUnavailable",
    "DatasetWriter",
    "UpsertResult",
    "canonical",
    "close",
    "configure",
    "dataset_id_for",
    "open_store",
    "shared_store",
]
