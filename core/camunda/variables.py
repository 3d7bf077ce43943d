"""Typed process variables, both ways.

Camunda sends and expects ``{name: {"type", "value", "valueInfo"}}``. Python values map to
engine types so that results keep their meaning in gateways and in Cockpit:

    None ↔ Null, bool ↔ Boolean, int ↔ Integer/Long (by size), float ↔ Double, str ↔ String,
    aware datetime ↔ Date, dict/list ↔ Json, bytes ↔ Bytes.

Object variables serialised as JSON are read as plain data; File variables are read as a
:class:`FileRef` (metadata only; the bytes are fetched on demand by the client).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from core.errors import ContractError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class TypedValue:
    """A value with an explicit engine type, for the cases the mapping above cannot guess."""

    type: str
    value: Any
    value_info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRef:
    """A File variable's metadata; the content stays in the engine until asked for."""

    name: str
    filename: str | None
    mime_type: str | None
    encoding: str | None
    process_instance_id: str | None = None


def format_date(value: datetime) -> str:
    """Render an aware datetime the way the engine's default date format expects."""
    if value.utcoffset() is None:  # naive (a tzinfo that gives no offset is naive too)
        raise ContractError(f"datetime {value.isoformat()} has no time zone; Date variables need one")
    millis = f"{value.microsecond // 1000:03d}"
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + millis + value.strftime("%z")


def parse_date(text: str) -> datetime:
    """Parse the engine's date format (``2015-10-06T16:34:42.000+0200``) into an aware datetime.

    ``fromisoformat`` reads that format since Python 3.11, in 0.4 µs against strptime's 21: the
    worker parses two dates of every fetched task. A date without an offset is taken as UTC.
    """
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def encode_value(value: Any) -> dict[str, Any]:
    """One Python value as the engine's typed-value JSON."""
    if isinstance(value, TypedValue):
        return {"type": value.type, "value": value.value, "valueInfo": dict(value.value_info)}
    if value is None:
        return {"type": "Null", "value": None}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value}
    if isinstance(value, int):
        kind = "Integer" if INT32_MIN <= value <= INT32_MAX else "Long"
        return {"type": kind, "value": value}
    if isinstance(value, float):
        return {"type": "Double", "value": value}
    if isinstance(value, str):
        return {"type": "String", "value": value}
    if isinstance(value, datetime):
        return {"type": "Date", "value": format_date(value)}
    if isinstance(value, date):
        return {
            "type": "Date",
            "value": format_date(datetime(value.year, value.month, value.day, tzinfo=UTC)),
        }
    if isinstance(value, dict | list | tuple):
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
        except (TypeError, ValueError) as err:
            raise ContractError(f"cannot send this value as a Json process variable: {err}") from None
        return {"type": "Json", "value": text}
    if isinstance(value, bytes):
        return {"type": "Bytes", "value": base64.b64encode(value).decode("ascii")}
    raise ContractError(f"cannot send a value of type {type(value).__name__} as a process variable")


def _json_default(value: Any) -> Any:
    if isinstance(value, date):  # datetime too (a subclass)
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_variables(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Python values → the engine's ``variables`` object."""
    return {name: encode_value(value) for name, value in values.items()}


def decode_value(name: str, raw: Mapping[str, Any], process_instance_id: str | None = None) -> Any:
    """One engine typed value → Python; a value that does not read as its type is a ContractError."""
    try:
        return _decode_value(name, raw, process_instance_id)
    except (ValueError, TypeError) as err:  # bad JSON, date or base64 (binascii.Error is a ValueError)
        kind = raw.get("type") if isinstance(raw, Mapping) else None
        raise ContractError(f"variable {name!r} of type {kind}: unreadable value: {err}") from None


def _decode_value(name: str, raw: Mapping[str, Any], process_instance_id: str | None) -> Any:
    kind = str(raw.get("type") or "Null")
    value = raw.get("value")
    info = raw.get("valueInfo") or {}
    if kind == "Null" or (value is None and kind != "File"):
        return None
    if kind == "Date":
        return parse_date(str(value))
    if kind == "Json":
        return json.loads(value) if isinstance(value, str) else value
    if kind == "Object":
        return _decode_object(value, info)
    if kind == "Bytes":
        return base64.b64decode(str(value))
    if kind == "File":
        return FileRef(
            name=name,
            filename=info.get("filename"),
            mime_type=info.get("mimeType"),
            encoding=info.get("encoding"),
            process_instance_id=process_instance_id,
        )
    return value


def _decode_object(value: Any, info: Mapping[str, Any]) -> Any:
    if str(info.get("serializationDataFormat", "")).startswith("application/json") and isinstance(value, str):
        return json.loads(value)
    # Java-serialised or XML objects cannot be read as data; keep them intact for the round trip.
    return TypedValue("Object", value, dict(info))


def decode_variables(raw: Mapping[str, Any] | None, process_instance_id: str | None = None) -> dict[str, Any]:
    """The engine's ``variables`` object → Python values."""
    return {name: decode_value(name, body, process_instance_id) for name, body in (raw or {}).items()}


def variable_types(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Engine type names of a ``variables`` object (kept in task messages for round trips)."""
    return {name: str(body.get("type") or "Null") for name, body in (raw or {}).items()}
