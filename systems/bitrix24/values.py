"""Reading single task settings: user ids, id lists, priorities, deadlines.

Every problem is a ``PermanentError`` naming where the value came from: a wrong model or a
wrong variable is not fixed by retrying.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from core.errors import PermanentError

PRIORITIES = {"low": 0, "normal": 1, "medium": 1, "high": 2}
_SEPARATORS = re.compile(r"[,;\s]+")
_ISO_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)
_SHORT_PART = re.compile(r"(?P<amount>\d+)\s*(?P<unit>w|d|h|m|s)", re.IGNORECASE)
_SHORT_DURATION = re.compile(r"\+?\s*(?:\d+\s*[wdhms]\s*)+", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def fail(origin: str, problem: str) -> PermanentError:
    return PermanentError(f"bitrix24: {origin} {problem}")


def user_id(value: Any, origin: str) -> int:
    """A Bitrix24 user id: a positive integer, or text holding one."""
    return record_id(value, origin, "a Bitrix24 user id")


def record_id(value: Any, origin: str, what: str = "a Bitrix24 id") -> int:
    """A positive integer id (group, task, lead), or text holding one."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number <= 0:
        raise fail(origin, f"is not {what}: {str(value)[:40]!r}")
    return number


def id_list(value: Any, origin: str) -> list[int]:
    """User (or other) ids from a list, or from text separated by commas, semicolons or spaces."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items: list[Any] = list(value)
    elif isinstance(value, str):
        items = [part for part in _SEPARATORS.split(value) if part]
    else:
        items = [value]
    return list(dict.fromkeys(user_id(item, origin) for item in items))


def words(text: str) -> list[str]:
    """Comma- or semicolon-separated words (tags), trimmed, empty ones dropped."""
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def priority(value: Any, origin: str) -> int:
    """0 low, 1 normal, 2 high; the words low/normal/medium/high work too."""
    if isinstance(value, str) and value.strip().casefold() in PRIORITIES:
        return PRIORITIES[value.strip().casefold()]
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if isinstance(value, bool) or number not in (0, 1, 2):
        raise fail(origin, f"is not a priority (0/1/2 or low/normal/high): {str(value)[:40]!r}")
    return number


def duration(text: str) -> timedelta | None:
    """``P3D``, ``PT4H30M``, ``P1W`` or ``3d 4h``, ``+2d``, ``90m``; None when it is not one."""
    spelled = text.strip()
    iso = _ISO_DURATION.fullmatch(spelled)
    if iso and spelled.upper() not in ("P", "PT"):
        return timedelta(**{unit: int(amount) for unit, amount in iso.groupdict().items() if amount})
    if _SHORT_DURATION.fullmatch(spelled):
        parts: dict[str, int] = {}
        for match in _SHORT_PART.finditer(spelled):
            unit = _UNITS[match["unit"].lower()]
            parts[unit] = parts.get(unit, 0) + int(match["amount"])
        return timedelta(**parts)
    return None


def deadline(value: Any, now: datetime, zone: tzinfo, origin: str) -> datetime:
    """An aware deadline from a date-time, a date (end of that day), ISO text or a duration from now."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59), tzinfo=zone)
    if not isinstance(value, str) or not value.strip():
        raise fail(origin, f"is not a deadline: {str(value)[:40]!r}")
    relative = duration(value)
    if relative is not None:
        return (now + relative).astimezone(zone)
    return _absolute(value.strip(), zone, origin)


def _absolute(text: str, zone: tzinfo, origin: str) -> datetime:
    try:
        if len(text) == 10:  # a plain date: the end of that day
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=zone)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise fail(
            origin, f"is neither a date, a date-time nor a duration (P3D, 4h): {text[:40]!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def bitrix_datetime(moment: datetime) -> str:
    """The ``DEADLINE`` text Bitrix24 takes: ISO 8601 with seconds and the offset."""
    return moment.isoformat(timespec="seconds")
