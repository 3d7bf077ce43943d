"""The ``python`` system: in-process handlers registered by topic.

``create_router(options)`` registers the built-in handlers (``echo``, ``http.request``,
``data.aggregate``, ``data.filter``, ``data.transform``; each also as ``python.<topic>``) and
then every module named in ``options["handler_modules"]``. Such a module defines
``register(router, options)`` and adds its handlers with ``@router.topic(...)``; see
``docs/python-handlers.md``. The options handed on carry ``session``: the process's shared
``requests.Session``, which user handlers may use too. Handlers written for
``camunda-external-task-client-python3`` are named per topic in ``options["client_handlers"]``
and run through an adapter (``systems.python.client_handlers``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests
from loguru import logger

from core.actions.errors import SystemLoadError
from core.actions.modules import load_handler_module
from core.actions.router import TaskRouter
from systems.python import data, echo, http_request
from systems.python.client_handlers import register_client_handlers

SYSTEM = "python"
SOURCE = "config/systems.yaml"
KEY = "handler_modules"


def create_router(options: Mapping[str, Any]) -> TaskRouter:
    """The router with the built-in handlers and those of the configured modules."""
    module_names = _module_names(options)
    options = {**options, "session": _session(options)}
    router = TaskRouter(SYSTEM)
    for builtin in (echo, http_request, data):
        builtin.register(router, options)
    for name in module_names:
        load_handler_module(router, name, options, key=KEY, source=SOURCE)
    register_client_handlers(router, options, source=SOURCE)
    logger.info("python handlers: {} topics", len(router.topics))
    return router


def _module_names(options: Mapping[str, Any]) -> list[str]:
    names = options.get(KEY) or []
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise SystemLoadError(
            "options.handler_modules must be a list of module names", key=KEY, source=SOURCE
        )
    return list(names)


def _session(options: Mapping[str, Any]) -> Any:
    """The shared session: the one given (tests) or a new pooled one; checks ca_bundle."""
    ca_bundle = options.get("ca_bundle")
    if ca_bundle is not None and not (isinstance(ca_bundle, str) and os.path.isfile(ca_bundle)):
        raise SystemLoadError(
            f"options.ca_bundle {ca_bundle!r} is not a file", key="ca_bundle", source=SOURCE
        )
    return options.get("session") or requests.Session()
