"""The data handlers: ``data.aggregate``, ``data.filter`` and ``data.transform``.

Each reads a list of objects from the variable named by ``data.source`` (a dotted path
reaches into a Json variable: ``response.items``) and writes its result to the variable
named by ``data.target``. When the source holds a dataset reference (``core.datasets``) the
rows come from the dataset store and the result goes there too, as a new dataset: the target
variable then holds its reference and ``<target>_rows`` its row count, so large data never
travels in variables. The operations live in :mod:`.aggregate`, :mod:`.row_filter` and
:mod:`.transform`; this module reads the settings and wires the topics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.datasets import DatasetRef, dataset_id_for, shared_store
from core.errors import PermanentError
from core.paths import MISSING, get_path
from systems.python import aggregate, row_filter, transform
from systems.python.properties import reject_unknown, require_property
from systems.python.topics import add_topic

SOURCE = "data.source"
TARGET = "data.target"
GROUP_BY = "data.group_by"


def handle_aggregate(ctx: TaskContext) -> HandlerOutcome:
    """``data.source``, ``data.group_by`` (optional), ``data.metrics``, ``data.compute`` (optional),
    ``data.target`` = aggregate."""
    handler = aggregate.HANDLER
    known = (SOURCE, TARGET, GROUP_BY, aggregate.METRICS, aggregate.COMPUTE)
    reject_unknown(ctx.properties, "data.", known, handler)
    group_by = aggregate.parse_group_by(ctx.properties.get(GROUP_BY, ""))
    metrics = aggregate.parse_metrics(require_property(ctx.properties, aggregate.METRICS, handler), group_by)
    computed = aggregate.parse_compute(ctx.properties.get(aggregate.COMPUTE, ""), group_by, metrics)
    source = read_source(ctx, handler)
    result = aggregate.with_computed(aggregate.aggregate(source.rows, group_by, metrics), computed)
    return complete(source.output(ctx, handler, _target(ctx, "aggregate"), result))


def handle_filter(ctx: TaskContext) -> HandlerOutcome:
    """``data.source``, ``data.conditions``, ``data.target`` = filtered (plus ``<target>_count``)."""
    handler = row_filter.HANDLER
    reject_unknown(ctx.properties, "data.", (SOURCE, TARGET, row_filter.CONDITIONS), handler)
    conditions = row_filter.parse_conditions(require_property(ctx.properties, row_filter.CONDITIONS, handler))
    target = _target(ctx, "filtered")
    source = read_source(ctx, handler)
    kept = row_filter.filter_rows(source.rows, conditions)
    return complete({**source.output(ctx, handler, target, kept), f"{target}_count": len(kept)})


def handle_transform(ctx: TaskContext) -> HandlerOutcome:
    """``data.source``, ``data.transform``, ``data.target`` = transformed."""
    handler = transform.HANDLER
    reject_unknown(ctx.properties, "data.", (SOURCE, TARGET, transform.SPEC), handler)
    spec = transform.parse_spec(require_property(ctx.properties, transform.SPEC, handler))
    source = read_source(ctx, handler)
    changed = transform.transform_rows(source.rows, spec)
    return complete(source.output(ctx, handler, _target(ctx, "transformed"), changed))


@dataclass(frozen=True)
class Source:
    """The rows a data handler works on, and whether they came from a dataset."""

    rows: Sequence[Mapping[str, Any]]
    dataset: DatasetRef | None = None

    def output(
        self, ctx: TaskContext, handler: str, target: str, rows: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """The variables to complete with: the rows, or a new dataset's reference and row count."""
        if self.dataset is None:
            return {target: list(rows)}
        writer = shared_store().writer(dataset_id_for(handler, ctx.external_task_id), kind=handler)
        writer.append("result", rows)
        ref = writer.finish(self.dataset.time_from, self.dataset.time_to)
        return {target: ref.to_variable(), f"{target}_rows": ref.rows}


def read_source(ctx: TaskContext, handler: str) -> Source:
    """``data.source`` as rows: a list of objects in a variable, or a dataset it references."""
    name = require_property(ctx.properties, SOURCE, handler)
    value = get_path(ctx.variables, name)
    if isinstance(value, Mapping) and "dataset_id" in value:
        ref = DatasetRef.from_variable(value, name=name)
        return Source(list(shared_store().rows(ref)), ref)
    return Source(read_rows(ctx, handler))


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
