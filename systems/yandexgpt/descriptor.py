"""YandexGPT as the registry sees it: tracked, because async generations are polled.

Sync answers complete at once (like Bitrix24's lead topics in a tracked system); async ones
return ``tracked(operation id)``, which the creator records in the ledger before any polling.
"""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.yandexgpt import create_router
from systems.yandexgpt.connection import SYSTEM
from systems.yandexgpt.settings import YandexGptSettings
from systems.yandexgpt.tracker import create_tracker

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM,
    kind="tracked",
    create_router=create_router,
    create_tracker=create_tracker,
    settings=YandexGptSettings,
)
