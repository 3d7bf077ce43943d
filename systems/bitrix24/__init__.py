"""Bitrix24: tasks for people (tracked) and CRM lead cards (immediate), through one incoming webhook.

``create_router(options)`` registers the people-task topic (default ``bitrix24.task``) and the
three lead topics; ``tracker.create_tracker(options)`` follows the people tasks. The options
are described in ``settings.py`` and ``docs/bitrix24.md``; the webhook URL comes from the
environment variable ``options.webhook_env`` (default ``BITRIX24_WEBHOOK_URL``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.bitrix24.client import Bitrix24Client
from systems.bitrix24.connection import build_client, portal_base
from systems.bitrix24.leads import Leads
from systems.bitrix24.settings import Bitrix24Settings, load_settings
from systems.bitrix24.tasks import PeopleTasks

SYSTEM = "bitrix24"


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    """The router of the bitrix24 system, with the creator's share of the portal's rate limit."""
    settings = load_settings(options)
    client = build_client(settings, "creator")
    router = build_router(settings, client)
    logger.info("bitrix24: portal {}, topics {}", client.webhook.redacted, ", ".join(router.topics))
    return router


def build_router(settings: Bitrix24Settings, client: Bitrix24Client) -> TaskRouter:
    """Register the handlers on a new router (tests pass their own client)."""
    router = TaskRouter(SYSTEM)
    topics = settings.topics
    router.add(topics.task, PeopleTasks(client, settings.tasks, portal_base(client)))
    leads = Leads(client, settings.leads)
    router.add(topics.lead_create, leads.create, inputs=leads.inputs("create"))
    router.add(topics.lead_update, leads.update, inputs=leads.inputs("update"))
    router.add(topics.lead_move, leads.move, inputs=leads.inputs("move"))
    return router
