"""Wildberries as the registry sees it: immediate, no tracker (long pulls keep their lock alive)."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.wildberries import SYSTEM, create_router
from systems.wildberries.settings import WildberriesSettings

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM, kind="immediate", create_router=create_router, settings=WildberriesSettings
)
