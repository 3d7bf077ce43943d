"""The one list of systems: name → descriptor. Adding a system is its folder and one line here.

Both services look systems up here, so static checks see every dependency and no module
path of ours is written in configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from core.actions.descriptor import SystemDescriptor
from core.actions.errors import SystemLoadError
from core.actions.router import TaskRouter
from core.tracking import SystemTracker
from systems.bitrix24.descriptor import DESCRIPTOR as BITRIX24
from systems.dadata.descriptor import DESCRIPTOR as DADATA
from systems.openproject.descriptor import DESCRIPTOR as OPENPROJECT
from systems.ozon.descriptor import DESCRIPTOR as OZON
from systems.python.descriptor import DESCRIPTOR as PYTHON
from systems.smsaero.descriptor import DESCRIPTOR as SMSAERO
from systems.storage.descriptor import DESCRIPTOR as STORAGE
from systems.wildberries.descriptor import DESCRIPTOR as WILDBERRIES
from systems.yandexgpt.descriptor import DESCRIPTOR as YANDEXGPT

SYSTEMS: Mapping[str, SystemDescriptor] = MappingProxyType(
    {
        d.name: d
        for d in (BITRIX24, DADATA, OPENPROJECT, OZON, PYTHON, SMSAERO, STORAGE, WILDBERRIES, YANDEXGPT)
    }
)

SOURCE = "config/systems.yaml"
# Options that once named our modules; the descriptor supplies both now.
RETIRED_OPTIONS = {"tracker": "the tracker", "package": "the actions"}


def descriptor(name: str) -> SystemDescriptor:
    """The system's descriptor; an unknown name is a configuration error naming it."""
    found = SYSTEMS.get(name)
    if found is None:
        known = ", ".join(sorted(SYSTEMS))
        raise SystemLoadError(
            f"system {name!r} is not registered in systems/registry.py (known: {known})",
            key=f"systems.{name}",
            source=SOURCE,
        )
    return found


def create_router(name: str, options: Mapping[str, Any]) -> TaskRouter:
    """The system's router: its topics with their actions."""
    _refuse_retired_options(name, options)
    return descriptor(name).create_router(options)


def create_tracker(name: str, options: Mapping[str, Any]) -> SystemTracker:
    """The poller of a tracked system; a system without one is a configuration error."""
    _refuse_retired_options(name, options)
    factory = descriptor(name).create_tracker
    if factory is None:
        raise SystemLoadError(
            f"system {name!r} is tracked in {SOURCE} but has no tracker",
            key=f"systems.{name}.kind",
            source=SOURCE,
        )
    return factory(options)


def _refuse_retired_options(name: str, options: Mapping[str, Any]) -> None:
    """Fail loudly rather than ignore a key that used to name a module."""
    for key, supplies in RETIRED_OPTIONS.items():
        if key in options:
            raise SystemLoadError(
                f"{SOURCE}: systems.{name}.options.{key} is no longer read: the system's "
                f"descriptor in systems/registry.py supplies {supplies}; remove the key",
                key=f"systems.{name}.options.{key}",
                source=SOURCE,
            )
