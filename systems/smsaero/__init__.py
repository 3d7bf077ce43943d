"""SMS Aero: the ``sms.send`` topic sends one SMS and tracks its delivery (a tracked system).

``create_router(options)`` registers the send action, ``tracker.create_tracker(options)``
follows delivery. Options are in ``settings.py`` and ``docs/smsaero.md``; the e-mail and API
key come from the environment variables ``options.email_env`` and ``options.api_key_env``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.smsaero.client import SmsAeroClient
from systems.smsaero.connection import SYSTEM, build_client
from systems.smsaero.sending import SendSms
from systems.smsaero.settings import SmsAeroSettings, load_settings

__all__ = ["SYSTEM", "build_router", "create_router"]


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    router = build_router(settings, build_client(settings))
    mode = "test mode (nothing is sent)" if settings.test_mode else "live"
    logger.info("smsaero: {} gates, {}, topic {}", len(settings.gates), mode, settings.topic)
    return router


def build_router(settings: SmsAeroSettings, client: SmsAeroClient) -> TaskRouter:
    """Register the handler on a new router (tests pass their own client)."""
    router = TaskRouter(SYSTEM)
    router.add(settings.topic, SendSms(client, settings))
    return router
