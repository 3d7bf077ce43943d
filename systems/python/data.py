"""The data handlers: ``data.aggregate``, ``data.filter`` and ``data.transform``.

Each reads a list of objects from the variable named by ``data.source`` (a dotted path
reaches into a Json variable: ``response.items``) and writes its result to the variable
named by ``data.target``. The operations live in :mod:`.aggregate`, :mod:`.row_filter` and
:mod:`.transform`; this module reads the settings and wires the topics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.errors import PermanentError
from core.paths import MISSING, get_path
from systems.python import aggregate, row_filter, transform
from systems.python.properties import reject_unknown, require_property
from systems.python.topics import add_topic

SOURCE = "data.source"
TARGET = "data.target"
GROUP_BY = "data.group_by"


def handle_aggregate(ctx: TaskContext) -> HandlerOutcome:
    """``data.source``, ``data.group_by`` (optional), ``data.metrics``, ``data.target`` = aggregate."""
    handler = aggregate.HANDLER
    reject_unknown(ctx.properties, "data.", (SOURCE, TARGET, GROUP_BY, aggregate.METRICS), handler)
    group_by = aggregate.parse_group_by(ctx.properties.get(GROUP_BY, ""))
    metrics = aggregate.parse_metrics(require_property(ctx.properties, aggregate.METRICS, handler), group_by)
    target = _target(ctx, "aggregate")
    return complete({target: aggregate.aggregate(read_rows(ctx, handler), group_by, metrics)})


def handle_filter(ctx: TaskContext) -> HandlerOutcome:
    """``data.source``, ``data.conditions``, ``data.target`` = filtered (plus ``<target>_count``)."""
    handler = row_filter.HANDLER
    reject_unknown(ctx.properties, "data.", (SOURCE, TARGET, row_filter.CONDITIONS), handler)
    conditions = row_filter.parse_conditions(require_property(ctx.properties, row_filter.CONDITIONS, handler))
    target = _target(ctx, "filtered")
    kept = row_filter.filter_rows(read_rows(ctx, handler), conditions)
    return complete({target: kept, f"{target}_count": len(kept)})


def handle_transform(ctx: TaskContext) -> HandlerOutcome:
    """``data.source``, ``data.transform``, ``data.target`` = transformed."""
    handler = transform.HANDLER
    reject_unknown(ctx.properties, "data.", (SOURCE, TARGET, transform.SPEC), handler)
    spec = transform.parse_spec(require_property(ctx.properties, transform.SPEC, handler))
    target = _target(ctx, "transformed")
    return complete({target: transform.transform_rows(read_rows(ctx, handler), spec)})


def read_rows(ctx: TaskContext, handler: str) -> Sequence[Mapping[str, Any]]:
    """The list of objects named by ``data.source``; anything else is a PermanentError."""
    source = require_property(ctx.properties, SOURCE, handler)
    rows = get_path(ctx.variables, source)
    if rows is MISSING:
        raise PermanentError(f"{handler}: variable {source!r} (from {SOURCE}) is missing")
    if not isinstance(rows, list):
        raise PermanentError(f"{handler}: variable {source!r} is a {type(rows).__name__}, not a list")
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise PermanentError(
                f"{handler}: row {index} of {source!r} is a {type(row).__name__}, not an object"
            )
    return rows


def _target(ctx: TaskContext, default: str) -> str:
    return ctx.properties.get(TARGET, "").strip() or default


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    """Add the three data topics, each also under ``python.``."""
    add_topic(router, aggregate.HANDLER, handle_aggregate)
    add_topic(router, row_filter.HANDLER, handle_filter)
    add_topic(router, transform.HANDLER, handle_transform)
