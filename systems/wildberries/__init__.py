"""Wildberries (immediate): campaigns, their daily statistics, orders and sales, as datasets.

``create_router(options)`` registers ``wb.campaigns``, ``wb.fullstats``, ``wb.orders`` and
``wb.sales``. Each writes its rows to the dataset store (``core.datasets``) and completes
with a small reference and a row count. Options: ``settings.py`` and ``docs/wildberries.md``;
tokens come from the variables each account names; pacing per account and method group is
the system's own (``pacing.py``), the entry's ``limits`` only cap calls in flight.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.wildberries.accounts import SYSTEM, build_accounts
from systems.wildberries.campaigns import Campaigns
from systems.wildberries.fullstats import FullStats
from systems.wildberries.pacing import Pacer
from systems.wildberries.settings import load_settings
from systems.wildberries.shared import Shared
from systems.wildberries.statistics import ORDERS, SALES, StatisticsPull

__all__ = ["SYSTEM", "build_router", "create_router"]


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    accounts = build_accounts(settings, Pacer(settings.pacing))
    logger.info(
        "wildberries: advert {}, statistics {}, accounts {}",
        settings.advert_url,
        settings.statistics_url,
        ", ".join(sorted(accounts.clients)),
    )
    return build_router(Shared(accounts, settings))


def build_router(shared: Shared) -> TaskRouter:
    """Register the handlers on a new router (tests pass their own store, sleep and today)."""
    router = TaskRouter(SYSTEM)
    router.add("wb.campaigns", Campaigns(shared))
    router.add("wb.fullstats", FullStats(shared))
    router.add("wb.orders", StatisticsPull(shared, ORDERS))
    router.add("wb.sales", StatisticsPull(shared, SALES))
    return router
