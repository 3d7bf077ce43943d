"""DaData (immediate): contact data cleaned by the cleaner API, organisations found by INN/OGRN.

``create_router(options)`` registers ``dadata.clean.phone``, ``dadata.clean.email``,
``dadata.clean.name``, ``dadata.clean.address``, ``dadata.clean`` (kind from the extension
property ``dadata.type``) and ``dadata.party``. Options: ``settings.py`` and
``docs/dadata.md``; the key and the secret come from the environment variables the options
name (``DADATA_API_KEY``, ``DADATA_SECRET_KEY``); limits, circuit and timeout from the
system's entry in ``systems.yaml`` through ``core.http``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.dadata.cleaning import Cleaner
from systems.dadata.client import DaDataClient
from systems.dadata.connection import SYSTEM, build_client
from systems.dadata.party import Parties
from systems.dadata.settings import CLEAN_KINDS, DaDataSettings, load_settings

__all__ = ["SYSTEM", "build_router", "create_router"]


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    client = build_client(settings)
    router = build_router(settings, client)
    logger.info("dadata: cleaner {}, suggestions {}", client.cleaner_url, client.suggestions_url)
    return router


def build_router(settings: DaDataSettings, client: DaDataClient) -> TaskRouter:
    """Register the handlers on a new router (tests pass their own client)."""
    router = TaskRouter(SYSTEM)
    cleaner = Cleaner(client, settings.quality)
    for kind in CLEAN_KINDS:
        router.add(f"dadata.clean.{kind}", cleaner.handler(kind))
    router.add("dadata.clean", cleaner.handler(None))
    router.add("dadata.party", Parties(client, settings.party).find)
    return router
