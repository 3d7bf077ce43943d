"""Datasets: rows that never travel in process variables, and the tables they are upserted into.

Marketplace actions write their rows here in chunks (idempotent, resumable) and hand the
process a small :class:`DatasetRef`. The store lives in the database family of the ledger:
an SQLite file beside it on one host, the ledger's PostgreSQL database on several.
"""

from typing import TYPE_CHECKING, Any

from core.datasets.reference import DatasetError, DatasetRef, DatasetStoreUnavailable, dataset_id_for
from core.datasets.shared import close, configure, open_store, shared_store

if TYPE_CHECKING:
    from core.datasets.store import DatasetStore, DatasetWriter, UpsertResult, canonical

_IN_STORE = frozenset({"DatasetStore", "DatasetWriter", "UpsertResult", "canonical"})


def __getattr__(name: str) -> Any:
    """The store's names load SQLAlchemy, so they are imported when first asked for."""
    if name in _IN_STORE:
        from core.datasets import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
