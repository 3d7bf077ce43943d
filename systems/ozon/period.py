"""The days a postings pull covers, and the windows it asks Ozon for.

``date_from`` / ``date_to`` (inclusive days in the configured time zone, Moscow by default)
come from the process variables of those names (a ``YYYY-MM-DD`` String or a Date), else
from the extension properties ``ozon.date_from`` / ``ozon.date_to``. ``date_to`` defaults to
yesterday, ``date_from`` to ``date_to``: without either a pull covers yesterday.

Ozon takes ``since`` / ``to`` as UTC instants and at most a year per call; the period is cut
into windows of ``window_days`` whose ``to`` is one second before the next window's
``since`` (Ozon's timestamps are whole seconds), so no posting falls between two windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.actions.context import TaskContext
from core.errors import PermanentError


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    def windows(self, days: int, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """(since, to) in UTC for each run of at most ``days`` days, in order."""
        spans: list[tuple[datetime, datetime]] = []
        start = self.date_from
        while start <= self.date_to:
            end = min(self.date_to, start + timedelta(days=days - 1))
            since = datetime.combine(start, time(0), zone).astimezone(UTC)
            to = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC) - timedelta(
                seconds=1
            )
            spans.append((since, to))
            start = end + timedelta(days=1)
        return spans


def requested_period(task: TaskContext, today: date, zone: ZoneInfo) -> Period:
    """The task's period; a value that is not a date, or ``date_from`` after ``date_to``, is permanent.

    ``today`` is the day in ``zone``; a Date variable is read as its day in ``zone``.
    """
    date_to = _day(task, "date_to", zone) or today - timedelta(days=1)
    date_from = _day(task, "date_from", zone) or date_to
    if date_from > date_to:
        raise PermanentError(
            f"{task.topic}: date_from {date_from} is after date_to {date_to} (activity {task.activity_label})"
        )
    return Period(date_from, date_to)


def _day(task: TaskContext, name: str, zone: ZoneInfo) -> date | None:
    value: Any = task.variables.get(name)
    origin = f"variable {name!r}"
    if value is None or value == "":
        value = task.properties.get(f"ozon.{name}", "").strip() or None
        origin = f"property 'ozon.{name}'"
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise PermanentError(
            f"{task.topic}: {origin} must be a date (YYYY-MM-DD), not {str(value)[:40]!r} "
            f"(activity {task.activity_label})"
        ) from None
