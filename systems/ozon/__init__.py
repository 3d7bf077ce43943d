"""Ozon Seller API (immediate): a seller's catalogue and FBS postings pulled into datasets.

``create_router(options)`` registers ``ozon.products`` (``/v3/product/list``, paged by
``last_id``) and ``ozon.postings`` (``/v3/posting/fbs/list`` for a period, paged by offset).
Each writes its rows to the dataset store and returns a small reference; pulls resume from
their last stored page and wait out 429s inside the action (``patience.py``). Options:
``settings.py`` and ``docs/ozon.md``; Client-Id and Api-Key come from the environment
variables each account names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.ozon.accounts import SYSTEM, Accounts
from systems.ozon.postings import PostingsPull
from systems.ozon.products import ProductsPull
from systems.ozon.settings import OzonSettings, load_settings

__all__ = ["SYSTEM", "build_router", "create_router"]


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    accounts = Accounts(settings)
    logger.info(
        "ozon: {} accounts {} (default {})", settings.base_url, ", ".join(accounts.names), accounts.default
    )
    return build_router(settings, accounts)


def build_router(settings: OzonSettings, accounts: Accounts) -> TaskRouter:
    """Register the handlers on a new router (tests pass their own accounts)."""
    router = TaskRouter(SYSTEM)
    router.add(settings.products.topic, ProductsPull(accounts, settings))
    router.add(settings.postings.topic, PostingsPull(accounts, settings))
    return router
