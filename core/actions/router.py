"""Handlers registered by topic on routers; one router per system package.

    router = TaskRouter("python")

    @router.topic("echo")
    def echo(task: TaskContext) -> HandlerOutcome: ...

Topics may be globs (``python.data.*``); exact topics win over globs, then globs in
registration order. A topic registered twice is an error at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TypeAlias

from core.actions.context import TaskContext
from core.actions.errors import DuplicateTopicError
from core.actions.inputs import Inputs
from core.actions.outcomes import HandlerOutcome

Handler: TypeAlias = Callable[[TaskContext], HandlerOutcome]


class TaskRouter:
    def __init__(self, system: str) -> None:
        self.system = system
        self._handlers: dict[str, Handler] = {}
        self._inputs: dict[str, Inputs] = {}
        # Topic → what handler_for found (None too): globs are matched once per topic, not per
        # task; cleared whenever a handler is added.
        self._resolved: dict[str, Handler | None] = {}

    def topic(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator: register the function as the handler of ``name``."""

        def register(handler: Handler) -> Handler:
            self.add(name, handler)
            return handler

        return register

    def add(self, name: str, handler: Handler, *, inputs: Inputs | None = None) -> None:
        """Register ``handler``; ``inputs`` are the variables it reads (checked for direct submissions)."""
        if name in self._handlers:
            raise DuplicateTopicError(
                f"topic {name!r} of system {self.system!r} has two handlers: "
                f"{_describe(self._handlers[name])} and {_describe(handler)}"
            )
        self._handlers[name] = handler
        self._resolved.clear()
        if inputs is not None:
            self._inputs[name] = inputs

    def include(self, other: TaskRouter) -> None:
        """Take over another router's handlers (duplicates are errors)."""
        for name, handler in other._handlers.items():
            self.add(name, handler, inputs=other._inputs.get(name))

    def handler_for(self, topic: str) -> Handler | None:
        if topic in self._resolved:
            return self._resolved[topic]
        handler = self._handlers.get(topic)
        if handler is None:
            handler = next((h for pattern, h in self._handlers.items() if fnmatchcase(topic, pattern)), None)
        self._resolved[topic] = handler
        return handler

    def inputs_for(self, topic: str) -> Inputs | None:
        """The declared inputs of the handler ``topic`` resolves to (exact name first, then globs)."""
        if topic in self._handlers:
            return self._inputs.get(topic)
        pattern = next((p for p in self._handlers if fnmatchcase(topic, p)), None)
        return self._inputs.get(pattern) if pattern else None

    @property
    def topics(self) -> list[str]:
        return sorted(self._handlers)


def _describe(handler: Handler) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"
