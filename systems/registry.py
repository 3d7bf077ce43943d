"""The one list of systems: name → descriptor. A new system: its folder, its name and its import here.

A system's package is imported when a service first looks it up, so a creator serving one
system and a tracker polling two hold only those (all nine cost a process about 6 MB). The
imports are static, so static checks still see every dependency, and no module path of
ours is written in configuration.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from core.actions.descriptor import SystemDescriptor
from core.actions.errors import SystemLoadError
from core.actions.router import TaskRouter
from core.tracking import SystemTracker

#: Every registered system; ``_import`` loads each on its first lookup.
NAMES = (
    "bitrix24",
    "dadata",
    "openproject",
    "ozon",
    "python",
    "smsaero",
    "storage",
    "wildberries",
    "yandexgpt",
)


def _import(name: str) -> SystemDescriptor:
    """Import the system's package and return its descriptor (Python keeps it loaded)."""
    match name:
        case "bitrix24":
            from systems.bitrix24.descriptor import DESCRIPTOR
        case "dadata":
            from systems.dadata.descriptor import DESCRIPTOR
        case "openproject":
            from systems.openproject.descriptor import DESCRIPTOR
        case "ozon":
            from systems.ozon.descriptor import DESCRIPTOR
        case "python":
            from systems.python.descriptor import DESCRIPTOR
        case "smsaero":
            from systems.smsaero.descriptor import DESCRIPTOR
        case "storage":
            from systems.storage.descriptor import DESCRIPTOR
        case "wildberries":
            from systems.wildberries.descriptor import DESCRIPTOR
        case "yandexgpt":
            from systems.yandexgpt.descriptor import DESCRIPTOR
        case _:
            raise KeyError(name)
    return DESCRIPTOR


class _Systems(Mapping[str, SystemDescriptor]):
    """Name → descriptor; a lookup imports that system's package."""

    def __getitem__(self, name: str) -> SystemDescriptor:
        return _import(name)

    def __contains__(self, name: object) -> bool:
        return name in NAMES  # Mapping's own would import the system to find out

    def __iter__(self) -> Iterator[str]:
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)


SYSTEMS: Mapping[str, SystemDescriptor] = _Systems()

SOURCE = "config/systems.yaml"
# Options that once named our modules; the descriptor supplies both now.
RETIRED_OPTIONS = {"tracker": "the tracker", "package": "the actions"}


def descriptor(name: str) -> SystemDescriptor:
    """The system's descriptor; an unknown name is a configuration error naming it."""
    if name not in SYSTEMS:
        known = ", ".join(sorted(SYSTEMS))
        raise SystemLoadError(
            f"system {name!r} is not registered in systems/registry.py (known: {known})",
            key=f"systems.{name}",
            source=SOURCE,
        )
    return SYSTEMS[name]


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
