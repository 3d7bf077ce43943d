"""Handler module for the ``python`` system: the built-in ``echo`` handler on the benchmark topic.

The handler is the shipped one (``systems.python.echo.echo``); only the topics
(``bench.<scenario>``) are the benchmark's own, so no other worker on the shared engine takes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.actions.router import TaskRouter
from systems.python.echo import echo
from tools.bench.bpmn import TOPIC_PREFIX


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    router.add(f"{TOPIC_PREFIX}*", echo)
