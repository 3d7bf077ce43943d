"""Bitrix24 list filters: ``{"ID": [1, 2], ">=DEADLINE": "...", "!STATUS": 6, "%TITLE": "x"}``.

A key is an optional operator prefix and a field. A list value means "any of"; a list in
the record (multiple user fields, auditors) matches when any element does. Numbers compare
as numbers, everything else as case-insensitive text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: Longest prefixes first, so ">=" is not read as ">" plus "=FIELD".
OPERATORS = ("!%", "!=", ">=", "<=", "!", ">", "<", "%", "=", "@")

Getter = Callable[[str], Any]


def split_key(key: str) -> tuple[str, str]:
    """``">=ID"`` → (">=", "ID"); no prefix means equality."""
    for op in OPERATORS:
        if key.startswith(op):
            return op, key[len(op) :]
    return "=", key


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "y" if value else "n"
    text = "" if value is None else str(value).strip().casefold()
    return {"true": "y", "false": "n"}.get(text, text)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(_equal(item, expected) for item in actual)
    a, b = _number(actual), _number(expected)
    return a == b if a is not None and b is not None else _norm(actual) == _norm(expected)


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if actual is None or actual == "":
        return False
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        order = (a > b) - (a < b)
    else:
        x, y = _norm(actual), _norm(expected)
        order = (x > y) - (x < y)
    return {">": order > 0, ">=": order >= 0, "<": order < 0, "<=": order <= 0}[op]


def _like(actual: Any, pattern: Any) -> bool:
    needle = _norm(pattern).strip("%")
    values = actual if isinstance(actual, list) else [actual]
    return any(needle in _norm(v) for v in values)


def condition_holds(actual: Any, op: str, expected: Any) -> bool:
    """Whether one record value satisfies ``op expected``."""
    options = expected if isinstance(expected, list) else [expected]
    if op in ("=", "@"):
        return any(_equal(actual, option) for option in options)
    if op in ("!", "!="):
        return not any(_equal(actual, option) for option in options)
    if op == "%":
        return _like(actual, expected)
    if op == "!%":
        return not _like(actual, expected)
    return _compare(actual, op, expected)


def matches(get: Getter, conditions: Mapping[str, Any]) -> bool:
    """Whether the record behind ``get(FIELD)`` satisfies every condition."""
    for key, expected in conditions.items():
        op, field = split_key(str(key))
        if not condition_holds(get(field.upper()), op, expected):
            return False
    return True


def sort_key(value: Any) -> tuple[int, float, str]:
    """Numbers before text, numbers by value (for ``order``)."""
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0.0, _norm(value))
