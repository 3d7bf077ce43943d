"""The one place that imports a module of handlers by the name a user configured.

Such a module defines ``register(router, options)`` and adds its handlers to the router;
the python system's ``handler_modules`` option lists them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any

from loguru import logger

from core.actions.errors import ActionError, SystemLoadError
from core.actions.router import TaskRouter

_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def load_handler_module(
    router: TaskRouter, name: str, options: Mapping[str, Any], *, key: str, source: str
) -> None:
    """Import ``name`` and call its ``register(router, options)``; failures name the module."""
    if not _MODULE_NAME.fullmatch(name):
        raise SystemLoadError(f"handler module {name!r} is not a dotted module name", key=key, source=source)
    try:
        module = importlib.import_module(name)
    except Exception as err:  # a broken module may raise anything at import time
        raise SystemLoadError(
            f"handler module {name!r} cannot be imported: {err}", key=key, source=source
        ) from err
    register = getattr(module, "register", None)
    if not callable(register):
        raise SystemLoadError(f"handler module {name!r} has no register(router, options) function")
    try:
        register(router, options)
    except ActionError:  # DuplicateTopicError and friends already say what is wrong
        raise
    except Exception as err:
        raise SystemLoadError(f"handler module {name!r}: register() failed: {err}") from err
    logger.info("handler module {} loaded", name)
