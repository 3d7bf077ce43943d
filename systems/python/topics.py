"""Built-in topics answer to their plain name and to the same name under ``python.``."""

from __future__ import annotations

from core.actions.router import Handler, TaskRouter

PREFIX = "python."


def add_topic(router: TaskRouter, name: str, handler: Handler) -> None:
    """Register ``name`` and ``python.<name>`` (two exact topics, so both win over globs)."""
    router.add(name, handler)
    router.add(PREFIX + name, handler)
