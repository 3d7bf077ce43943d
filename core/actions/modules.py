"""The one place that imports a module of handlers by the name a user configured.

Such a module defines ``register(router, options)`` and adds its handlers to the router;
the python system's ``handler_modules`` option lists them. A caller with another
convention (the python system's ``client_handlers``: a plain function per topic) passes
``attach``, so import and error reporting stay in this one function.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from loguru import logger

from core.actions.errors import ActionError, SystemLoadError
from core.actions.router import TaskRouter

_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")

#: Adds an imported module's handlers to the router.
Attach = Callable[[TaskRouter, ModuleType, Mapping[str, Any]], None]


def load_handler_module(
    router: TaskRouter,
    name: str,
    options: Mapping[str, Any],
    *,
    key: str,
    source: str,
    attach: Attach | None = None,
) -> None:
    """Import ``name`` and attach its handlers (default: its ``register(router, options)``).

    Every failure is a ``SystemLoadError`` naming the module.
    """
    if not _MODULE_NAME.fullmatch(name):
        raise SystemLoadError(f"handler module {name!r} is not a dotted module name", key=key, source=source)
    try:
        module = importlib.import_module(name)
    except Exception as err:  # a broken module may raise anything at import time
        raise SystemLoadError(
            f"handler module {name!r} cannot be imported: {err}", key=key, source=source
        ) from err
    try:
        (attach or _call_register)(router, module, options)
    except ActionError:  # DuplicateTopicError and friends already say what is wrong
        raise
    except Exception as err:
        what = "register()" if attach is None else "attaching its handlers"
        raise SystemLoadError(f"handler module {name!r}: {what} failed: {err}") from err
    logger.info("handler module {} loaded", name)


def _call_register(router: TaskRouter, module: ModuleType, options: Mapping[str, Any]) -> None:
    register = getattr(module, "register", None)
    if not callable(register):
        raise SystemLoadError(f"handler module {module.__name__!r} has no register(router, options) function")
    register(router, options)
