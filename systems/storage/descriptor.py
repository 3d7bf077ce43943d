"""The storage system as the registry sees it: immediate, on the process's dataset store."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.storage import SYSTEM, create_router
from systems.storage.settings import StorageSettings

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM, kind="immediate", create_router=create_router, settings=StorageSettings
)
