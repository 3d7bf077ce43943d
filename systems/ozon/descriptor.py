"""Ozon as the registry sees it: immediate, no tracker (a pull finishes within its task)."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.ozon import SYSTEM, create_router
from systems.ozon.settings import OzonSettings

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM, kind="immediate", create_router=create_router, settings=OzonSettings
)
