"""YandexGPT (Foundation Models text generation): short prompts answered at once, long ones tracked.

``create_router(options)`` registers the completion topic (default ``yandexgpt.completion``);
``tracker.create_tracker(options)`` polls the async operations. Options: ``settings.py`` and
``docs/yandexgpt.md``; the folder id and the key come from the environment variables they name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from systems.yandexgpt.client import YandexGptClient
from systems.yandexgpt.completion import Completion
from systems.yandexgpt.connection import SYSTEM, build_client
from systems.yandexgpt.settings import YandexGptSettings, load_settings


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    settings = load_settings(options)
    client = build_client(settings)
    logger.info("yandexgpt: {} model {}, mode {}", client.llm_url, settings.model, settings.mode)
    return build_router(settings, client)


def build_router(settings: YandexGptSettings, client: YandexGptClient) -> TaskRouter:
    """Register the handler on a new router (tests pass their own client)."""
    router = TaskRouter(SYSTEM)
    router.add(settings.topic, Completion(client, settings))
    return router
