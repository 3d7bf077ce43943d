"""The ``storage`` system: datasets upserted into tables, and small aggregates read back.

``storage.upsert`` puts a dataset's rows into a table by a declared key; repeating it leaves
the same rows. ``storage.query`` filters, groups and computes over a table and returns the
(small) result as process variables. Both run in the creator on the dataset store of
``core.datasets``, which sits in the ledger's database family. See ``docs/marketplaces.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.actions.router import TaskRouter
from systems.storage.query import QueryTable
from systems.storage.settings import load_settings
from systems.storage.upsert import UpsertDataset

SYSTEM = "storage"

__all__ = ["SYSTEM", "create_router"]


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    router = TaskRouter(SYSTEM)
    router.add("storage.upsert", UpsertDataset())
    router.add("storage.query", QueryTable(settings.max_query_rows))
    return router
