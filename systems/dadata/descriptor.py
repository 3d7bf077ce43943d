"""DaData as the registry sees it: immediate, no tracker."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.dadata import SYSTEM, create_router
from systems.dadata.settings import DaDataSettings

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM, kind="immediate", create_router=create_router, settings=DaDataSettings
)
