"""``data.aggregate``: group rows and compute sum / avg / min / max / count per group.

    data.group_by = campaign_id                 (or "advert.id, day"; dotted paths allowed)
    data.metrics  = {"total_views": "sum:views", "avg_ctr": "avg:ctr", "n": "count"}

    data.compute  = {"ctr": "total_clicks / total_views * 100"}   (optional, see .expressions)

One result object per group: the group fields (named by their paths), the metrics, then the
computed fields (ratios of the group's sums; later ones may use earlier ones),
sorted by the group values (nulls, then booleans, numbers, text). Without ``data.group_by``
there is one total row. Missing and null values are skipped, not counted as 0: ``avg`` divides by the values present,
and a metric with no values at all is null. ``count`` counts rows, ``count:<field>`` counts
rows where the field has a value. A value that is not a number in sum / avg / min / max is a
``PermanentError`` naming the row and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import PermanentError
from core.paths import MISSING, get_path
from systems.python.expressions import Expression
from systems.python.properties import as_json, invalid, property_label

HANDLER = "data.aggregate"
FUNCTIONS = ("sum", "avg", "min", "max", "count")
METRICS = "data.metrics"
COMPUTE = "data.compute"


@dataclass(frozen=True)
class Metric:
    """One output field: ``function`` over ``field`` (None: count rows)."""

    name: str
    function: str
    field: str | None


def parse_group_by(text: str) -> tuple[str, ...]:
    """``"a, b.c"`` → ``("a", "b.c")``."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_metrics(raw: str, group_by: Sequence[str]) -> tuple[Metric, ...]:
    """Check ``data.metrics``; names must not clash with the group fields."""
    label = property_label(METRICS)
    spec = as_json(raw, dict, HANDLER, label)
    if not spec:
        raise invalid(HANDLER, label, "must name at least one metric")
    metrics = tuple(_metric(str(name), text, label) for name, text in spec.items())
    for metric in metrics:
        if metric.name in group_by:
            raise invalid(HANDLER, label, f"metric {metric.name!r} has the name of a group field")
    return metrics


def _metric(name: str, text: Any, label: str) -> Metric:
    if not isinstance(text, str):
        raise invalid(HANDLER, label, f'metric {name!r} must be text like "sum:views"')
    function, _, field = (part.strip() for part in text.partition(":"))
    if function.lower() not in FUNCTIONS:
        raise invalid(
            HANDLER, label, f"metric {name!r}: unknown function {function!r} (use {', '.join(FUNCTIONS)})"
        )
    if function.lower() != "count" and not field:
        raise invalid(HANDLER, label, f'metric {name!r}: {function} needs a field, e.g. "{function}:views"')
    return Metric(name, function.lower(), field or None)


def parse_compute(raw: str, group_by: Sequence[str], metrics: Sequence[Metric]) -> dict[str, Expression]:
    """Check ``data.compute``: names new fields, expressions over the group's fields and metrics."""
    if not raw.strip():
        return {}
    label = property_label(COMPUTE)
    spec = as_json(raw, dict, HANDLER, label)
    taken = set(group_by) | {metric.name for metric in metrics}
    computed: dict[str, Expression] = {}
    for name, text in spec.items():
        if name in taken:
            raise invalid(HANDLER, label, f"field {name!r} is already a group field or a metric")
        computed[str(name)] = Expression(text, origin=f"{HANDLER}: {label} field {name!r}")
    return computed


def with_computed(rows: list[dict[str, Any]], computed: Mapping[str, Expression]) -> list[dict[str, Any]]:
    """Add the computed fields to every aggregated row, in the order they were declared."""
    for index, row in enumerate(rows):
        for name, expression in computed.items():
            row[name] = expression.evaluate(row, index)
    return rows


def aggregate(
    rows: Sequence[Mapping[str, Any]], group_by: Sequence[str], metrics: Sequence[Metric]
) -> list[dict[str, Any]]:
    """The grouped result, sorted by the group values."""
    groups: dict[tuple[Any, ...], _Group] = {}
    if not group_by:
        groups[()] = _Group((), metrics)  # totals: one row even for no input, as in SQL
    for index, row in enumerate(rows):
        values = tuple(_present(get_path(row, path)) for path in group_by)
        key = tuple(_hashable(value) for value in values)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(values, metrics)
        group.add(index, row)
    ordered = sorted(groups.values(), key=lambda group: tuple(_order(v) for v in group.values))
    return [group.result(group_by) for group in ordered]


class _Group:
    def __init__(self, values: tuple[Any, ...], metrics: Sequence[Metric]) -> None:
        self.values = values
        self.accumulators = [_Accumulator(metric) for metric in metrics]

    def add(self, index: int, row: Mapping[str, Any]) -> None:
        for accumulator in self.accumulators:
            accumulator.add(index, row)

    def result(self, group_by: Sequence[str]) -> dict[str, Any]:
        out = dict(zip(group_by, self.values, strict=True))
        out.update((acc.metric.name, acc.result()) for acc in self.accumulators)
        return out


class _Accumulator:
    def __init__(self, metric: Metric) -> None:
        self.metric = metric
        self.count = 0
        self.total: int | float = 0
        self.low: int | float | None = None
        self.high: int | float | None = None

    def add(self, index: int, row: Mapping[str, Any]) -> None:
        field = self.metric.field
        if field is None:
            self.count += 1
            return
        value = get_path(row, field)
        if value is MISSING or value is None:
            return
        if self.metric.function != "count":
            self._add_number(_number(value, index, field))
        self.count += 1

    def _add_number(self, value: int | float) -> None:
        self.total += value
        self.low = value if self.low is None else min(self.low, value)
        self.high = value if self.high is None else max(self.high, value)

    def result(self) -> Any:
        function = self.metric.function
        if function == "count":
            return self.count
        if self.count == 0:
            return None
        return {"sum": self.total, "avg": self.total / self.count, "min": self.low, "max": self.high}[
            function
        ]


def _number(value: Any, index: int, field: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PermanentError(
            f"{HANDLER}: row {index} field {field!r} is a {type(value).__name__}, not a number"
        )
    number: int | float = value
    return number


def _present(value: Any) -> Any:
    return None if value is MISSING else value


def _hashable(value: Any) -> Any:
    """A group key part: JSON text for objects and lists; booleans apart from 0 and 1."""
    if isinstance(value, dict | list):
        return ("json", json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, bool):
        return ("bool", value)
    return value


def _order(value: Any) -> tuple[int, Any]:
    """A sort key that never compares across types: null, booleans, numbers, text, the rest."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True, default=str))
