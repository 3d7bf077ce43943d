"""``data.filter``: keep the rows that match every condition.

    data.conditions = [{"field": "status", "op": "in", "value": [9, 11]},
                       {"field": "stats.views", "op": ">=", "value": 100}]

Operators: ``== != < <= > >= in not_in contains exists``. A missing field reads as null;
``<``-style comparisons are false for null; ``exists`` (``"value": false`` inverts it) is
true when the field is present and not null; ``contains`` tests a substring, a list item or
an object key. Booleans never equal numbers (JSON semantics). Comparing values that have no
order between them (text with a number) is a ``PermanentError`` naming the row and field.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import PermanentError
from core.paths import MISSING, get_path
from systems.python.properties import as_json, invalid, property_label

HANDLER = "data.filter"
CONDITIONS = "data.conditions"
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OPERATORS = ("==", "!=", *_ORDERING, "in", "not_in", "contains", "exists")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


def parse_conditions(raw: str) -> tuple[Condition, ...]:
    """Check ``data.conditions``: a JSON list of ``{"field", "op", "value"}`` objects."""
    label = property_label(CONDITIONS)
    items = as_json(raw, list, HANDLER, label)
    return tuple(_condition(index, item, label) for index, item in enumerate(items))


def _condition(index: int, item: Any, label: str) -> Condition:
    where = f"condition {index}"
    if not isinstance(item, dict) or not set(item) <= {"field", "op", "value"}:
        raise invalid(HANDLER, label, f"{where} must be an object with field, op and value")
    field, op = item.get("field"), item.get("op")
    if not isinstance(field, str) or not field.strip():
        raise invalid(HANDLER, label, f"{where} needs a field name")
    if op not in OPERATORS:
        raise invalid(HANDLER, label, f"{where}: op {op!r} is not one of {' '.join(OPERATORS)}")
    if op == "exists":
        value = item.get("value", True)
        if not isinstance(value, bool):
            raise invalid(HANDLER, label, f"{where}: exists takes true or false")
    elif "value" not in item:
        raise invalid(HANDLER, label, f"{where}: {op} needs a value")
    else:
        value = item["value"]
    if op in ("in", "not_in") and not isinstance(value, list):
        raise invalid(HANDLER, label, f"{where}: {op} needs a list value")
    return Condition(field.strip(), op, value)


def filter_rows(
    rows: Sequence[Mapping[str, Any]], conditions: Sequence[Condition]
) -> list[Mapping[str, Any]]:
    """The rows matching all conditions, in their order."""
    return [row for index, row in enumerate(rows) if all(matches(row, index, c) for c in conditions)]


def matches(row: Mapping[str, Any], index: int, condition: Condition) -> bool:
    """Whether one row satisfies one condition."""
    actual = get_path(row, condition.field)
    op, expected = condition.op, condition.value
    if op == "exists":
        present = actual is not MISSING and actual is not None
        return present is expected
    if actual is MISSING:
        actual = None
    if op in ("==", "!="):
        return _equal(actual, expected) == (op == "==")
    if op in ("in", "not_in"):
        return any(_equal(actual, item) for item in expected) == (op == "in")
    if op == "contains":
        return _contains(actual, expected, index, condition.field)
    return _compare(_ORDERING[op], actual, expected, index, condition.field)


def _equal(left: Any, right: Any) -> bool:
    return isinstance(left, bool) == isinstance(right, bool) and bool(left == right)


def _compare(compare: Callable[[Any, Any], bool], actual: Any, expected: Any, index: int, field: str) -> bool:
    if actual is None or expected is None:
        return False
    try:
        return bool(compare(actual, expected))
    except TypeError:
        raise _mismatch(index, field, actual, f"cannot be compared with {type(expected).__name__}") from None


def _contains(actual: Any, expected: Any, index: int, field: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, str):
        if not isinstance(expected, str):
            raise _mismatch(index, field, actual, "can only contain text")
        return expected in actual
    if isinstance(actual, list):
        return any(_equal(item, expected) for item in actual)
    if isinstance(actual, Mapping):
        return isinstance(expected, str) and expected in actual
    raise _mismatch(index, field, actual, "contains needs text, a list or an object")


def _mismatch(index: int, field: str, actual: Any, problem: str) -> PermanentError:
    return PermanentError(f"{HANDLER}: row {index} field {field!r} ({type(actual).__name__}) {problem}")
