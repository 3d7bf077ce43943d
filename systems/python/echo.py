"""``echo``: completes the task with its own variables, unchanged (tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.camunda.variables import TypedValue
from systems.python.topics import add_topic

TOPIC = "echo"
#: Engine types whose decoded Python value encodes back to the same type.
ROUND_TRIP_TYPES = frozenset({"Null", "Boolean", "Integer", "String", "Json", "Date", "Bytes"})


def echo(ctx: TaskContext) -> HandlerOutcome:
    """Every variable back with its engine type.

    Decoded values are used where they re-encode to the same type; Long, Short, Double,
    Object, Xml and other types go back as sent (a small Long would otherwise return as an
    Integer, an Object as Json). File variables are left out: their content stays in the
    engine, and writing the reference back would clear it.
    """
    typed = ctx.message.variables
    result: dict[str, Any] = {}
    for name, value in ctx.variables.items():
        raw = typed[name]
        if raw.type in ROUND_TRIP_TYPES:
            result[name] = value
        elif raw.type != "File":
            result[name] = TypedValue(raw.type, raw.value, raw.valueInfo or {})
    return complete(result)


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    """Add ``echo`` and ``python.echo``."""
    add_topic(router, TOPIC, echo)
