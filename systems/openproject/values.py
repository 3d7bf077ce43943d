"""Reading single work package settings: ids, people, projects and dates.

Every problem is a ``PermanentError`` naming where the value came from: a wrong model or a
wrong variable is not fixed by retrying. Values are never quoted in full (they may be names).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from core.errors import PermanentError

PRINCIPALS = ("/users/", "/groups/", "/placeholder_users/")
_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_ISO = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?",
    re.IGNORECASE,
)
_SHORT = re.compile(r"\+?\s*(?:\d+\s*[wdhm]\s*)+", re.IGNORECASE)
_SHORT_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def fail(origin: str, problem: str) -> PermanentError:
    return PermanentError(f"openproject: {origin} {problem}")


def positive_id(value: Any, origin: str, what: str) -> int:
    """A positive integer id, or text holding one."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number <= 0:
        raise fail(origin, f"is not {what}: {str(value)[:20]!r}")
    return number


def principal(value: Any, origin: str) -> int | str:
    """A user id, or the href of a user, group or placeholder user as OpenProject writes it."""
    if isinstance(value, str) and value.strip().startswith("/") and any(p in value for p in PRINCIPALS):
        return value.strip()
    return positive_id(value, origin, "an OpenProject user id")


def project(value: Any, origin: str) -> str:
    """A project id or identifier (``42``, ``customer-onboarding``)."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _PROJECT.fullmatch(text):
        raise fail(origin, f"is not a project id or identifier: {str(value)[:40]!r}")
    return text


def duration(text: str) -> timedelta | None:
    """``P3D``, ``P1W``, ``PT36H`` or ``3d``, ``+2w``, ``1d 12h``; None when it is not one."""
    spelled = text.strip()
    iso = _ISO.fullmatch(spelled)
    if iso and spelled.upper() not in ("P", "PT"):
        return timedelta(**{unit: int(amount) for unit, amount in iso.groupdict().items() if amount})
    if _SHORT.fullmatch(spelled):
        parts: dict[str, int] = {}
        for amount, unit in _SHORT_PART.findall(spelled):
            name = _UNITS[unit.lower()]
            parts[name] = parts.get(name, 0) + int(amount)
        return timedelta(**parts)
    return None


def day(value: Any, now: datetime, zone: tzinfo, origin: str) -> str:
    """A work package date (``YYYY-MM-DD``) from a date, a date-time, ISO text or a duration from now."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
        return moment.astimezone(zone).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise fail(origin, f"is not a date: {str(value)[:40]!r}")
    relative = duration(value)
    if relative is not None:
        return (now + relative).astimezone(zone).date().isoformat()
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise fail(
            origin, f"is neither a date, a date-time nor a duration (P3D, 3d): {text[:40]!r}"
        ) from None
    return day(moment, now, zone, origin)
