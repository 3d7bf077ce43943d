"""OpenProject: work packages for people, created by the creator and followed to completion.

``create_router(options)`` registers the work package topic (default
``openproject.work_package``); ``tracker.create_tracker(options)`` follows the work packages
until their status is closed. Options are in ``settings.py`` and ``docs/openproject.md``; the
base URL comes from ``options.base_url`` or ``OPENPROJECT_URL``, the API token from the
environment variable ``options.token_env`` (default ``OPENPROJECT_API_TOKEN``); limits, circuit
and timeout from the system's entry in ``systems.yaml`` through ``core.http``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.openproject.client import OpenProjectClient
from systems.openproject.connection import SYSTEM, build_client
from systems.openproject.settings import OpenProjectSettings, load_settings
from systems.openproject.work_packages import CreateWorkPackage

__all__ = ["SYSTEM", "build_router", "create_router"]


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    client = build_client(settings)
    router = build_router(settings, client)
    logger.info("openproject: {}, topic {}, lookup {}", client.base_url, settings.topic, settings.lookup)
    return router


def build_router(settings: OpenProjectSettings, client: OpenProjectClient) -> TaskRouter:
    """Register the handler on a new router (tests pass their own client)."""
    router = TaskRouter(SYSTEM)
    router.add(settings.topic, CreateWorkPackage(client, settings))
    return router
