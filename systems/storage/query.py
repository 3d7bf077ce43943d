"""``storage.query``: a small aggregate of a stored table or a dataset, back into process variables.

    storage.table    = wb_campaign_days    (or storage.dataset = wb_metrics: the variable holding
                                            a dataset reference, to query just that run's rows)
    storage.where    = [{"field": "date", "op": ">=", "value": "2026-11-01"}]      (optional)
    storage.group_by = advert_id                                                   (optional)
    storage.metrics  = {"spend": "sum:spend", "orders": "sum:orders"}             (optional)
    storage.compute  = {"cpo": "spend / orders"}                                   (optional)
    storage.having   = [{"field": "spend", "op": ">", "value": 5000}]              (optional)
    storage.target   = flagged            (optional, default "query": flagged, flagged_count)

Conditions, metrics and expressions are those of ``data.filter``/``data.aggregate``. Without
metrics the (filtered) rows themselves come back. More rows than ``max_query_rows`` is an
error: variables are not the place for big data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.datasets import DatasetRef, shared_store
from core.errors import PermanentError
from systems.python import aggregate, row_filter
from systems.python.properties import reject_unknown
from systems.storage.names import table_name

TOPIC = "storage.query"
KNOWN = (
    "storage.table",
    "storage.dataset",
    "storage.where",
    "storage.group_by",
    "storage.metrics",
    "storage.compute",
    "storage.having",
    "storage.target",
)


class QueryTable:
    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows

    def __call__(self, ctx: TaskContext) -> HandlerOutcome:
        props = ctx.properties
        reject_unknown(props, "storage.", KNOWN, TOPIC)
        source, rows = _source_rows(ctx)
        rows = _filter(rows, props.get("storage.where", ""))
        rows = _aggregate(rows, props)
        rows = _filter(rows, props.get("storage.having", ""))
        if len(rows) > self.max_rows:
            raise PermanentError(
                f"{TOPIC}: {len(rows)} rows from {source} exceed max_query_rows={self.max_rows}; "
                "aggregate or filter further"
            )
        target = props.get("storage.target", "").strip() or "query"
        return complete({target: rows, f"{target}_count": len(rows)})


def _source_rows(ctx: TaskContext) -> tuple[str, list[dict[str, Any]]]:
    """What the query reads: a dataset named by ``storage.dataset``, else ``storage.table``."""
    variable = ctx.properties.get("storage.dataset", "").strip()
    if not variable:
        table = table_name(ctx.properties, TOPIC)
        return f"table {table!r}", list(shared_store().table_rows(table))
    if variable not in ctx.variables:
        raise PermanentError(f"{TOPIC}: variable {variable!r} (from storage.dataset) is missing")
    ref = DatasetRef.from_variable(ctx.variables[variable], name=variable)
    return f"dataset {variable!r}", list(shared_store().rows(ref))


def _filter(rows: list[dict[str, Any]], raw: str) -> list[dict[str, Any]]:
    if not raw.strip():
        return rows
    return [dict(row) for row in row_filter.filter_rows(rows, row_filter.parse_conditions(raw))]


def _aggregate(rows: Sequence[Mapping[str, Any]], props: Mapping[str, str]) -> list[dict[str, Any]]:
    raw_metrics = props.get("storage.metrics", "").strip()
    if not raw_metrics:
        return [dict(row) for row in rows]
    group_by = aggregate.parse_group_by(props.get("storage.group_by", ""))
    metrics = aggregate.parse_metrics(raw_metrics, group_by)
    computed = aggregate.parse_compute(props.get("storage.compute", ""), group_by, metrics)
    return aggregate.with_computed(aggregate.aggregate(rows, group_by, metrics), computed)
