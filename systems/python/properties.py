"""Reading handler settings: extension property strings or native values from a Json variable.

Every problem is a ``PermanentError`` that names the handler and where the setting came from
(``data.aggregate: extension property 'data.metrics' is not valid JSON``): a wrong model is
not fixed by retrying.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from core.errors import PermanentError

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


def invalid(handler: str, label: str, problem: str) -> PermanentError:
    """The error for one bad setting: ``<handler>: <label> <problem>``."""
    return PermanentError(f"{handler}: {label} {problem}")


def property_label(name: str) -> str:
    return f"extension property {name!r}"


def require_property(properties: Mapping[str, str], name: str, handler: str) -> str:
    """A property that must be present and non-blank (surrounding whitespace removed)."""
    value = properties.get(name, "").strip()
    if not value:
        raise invalid(handler, property_label(name), "is missing")
    return value


def reject_unknown(properties: Mapping[str, str], prefix: str, known: Iterable[str], handler: str) -> None:
    """Refuse ``<prefix>*`` properties the handler does not read: usually a typo in the model."""
    allowed = set(known)
    for name in properties:
        if name.startswith(prefix) and name not in allowed:
            expected = ", ".join(sorted(allowed))
            raise invalid(handler, property_label(name), f"is not a setting of {handler} (known: {expected})")


def as_json(value: Any, kind: type | tuple[type, ...], handler: str, label: str) -> Any:
    """Parse a string as JSON (native values pass through) and check the result's type."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise invalid(handler, label, f"is not valid JSON: {err}") from None
    if not isinstance(value, kind):
        raise invalid(handler, label, f"must be a JSON {_kind_name(kind)}")
    return value


def as_bool(value: Any, handler: str, label: str) -> bool:
    """``true``/``false`` (also yes/no, 1/0, on/off) or a native boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise invalid(handler, label, "must be true or false")


def as_positive_number(value: Any, handler: str, label: str, *, maximum: float) -> float:
    """A number in ``(0, maximum]``, given as a number or as its text."""
    try:
        number = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if not 0 < number <= maximum:  # NaN fails every comparison
        raise invalid(handler, label, f"must be a number above 0 and at most {maximum:g}")
    return number


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))
