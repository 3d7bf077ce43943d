"""The process's one dataset store: the creator names its database at start, actions share it.

Opened on first use, so a creator serving no dataset system never creates the file, nor loads
SQLAlchemy (about 13 MB of a process).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.datasets.reference import DatasetError

if TYPE_CHECKING:
    from core.datasets.store import DatasetStore

_lock = threading.Lock()
_dsn: str | None = None
_store: DatasetStore | None = None


def configure(dsn: str) -> None:
    """Name the database; a store opened on another one is closed."""
    global _dsn, _store
    with _lock:
        if dsn == _dsn:
            return
        if _store is not None:
            _store.close()
        _dsn, _store = dsn, None


def shared_store() -> DatasetStore:
    global _store
    with _lock:
        if _store is None:
            if _dsn is None:
                raise DatasetError("no dataset store is configured in this process (datasets.configure)")
            _store = open_store(_dsn)
        return _store


def open_store(dsn: str) -> DatasetStore:
    """A store of one's own (tests, tools)."""
    from core.datasets.store import DatasetStore  # SQLAlchemy, on first use

    return DatasetStore.open(dsn)


def close() -> None:
    """Release the shared store's connections (the service's last step); it reopens on use."""
    global _store
    with _lock:
        if _store is not None:
            _store.close()
        _store = None
