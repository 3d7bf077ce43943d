"""System packages: ``task_creator.systems.<name>`` each expose ``create_router(options)``."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from core.actions.errors import SystemLoadError
from core.actions.router import TaskRouter


def load_router(system: str, options: Mapping[str, Any]) -> TaskRouter:
    """Import the system's package and build its router; errors name the package."""
    module_name = str(options.get("package") or f"task_creator.systems.{system}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise SystemLoadError(f"system {system!r}: cannot import {module_name}: {err}") from err
    factory = getattr(module, "create_router", None)
    if not callable(factory):
        raise SystemLoadError(f"system {system!r}: {module_name} has no create_router(options)")
    router = factory(options)
    if not isinstance(router, TaskRouter):
        raise SystemLoadError(f"system {system!r}: {module_name}.create_router did not return a TaskRouter")
    return router
