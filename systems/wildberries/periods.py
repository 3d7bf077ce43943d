"""Dates as WB counts them: Moscow days, periods of at most 31 days, relative periods.

A task's period is given as ``date_from`` / ``date_to`` (Date variables or ISO strings) or as
a relative period: ``yesterday``, ``today``, ``last N days`` (the N days ending yesterday,
complete days only). "Today" is the date in Moscow, whatever the host's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

MOSCOW = timezone(timedelta(hours=3), "MSK")
MAX_DAYS = 31  # fullstats: at most 31 days per request
_LAST = re.compile(r"^last\s+(\d+)\s+days?$")


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included."""

    begin: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.begin:
            raise ValueError(f"the period ends ({self.end}) before it begins ({self.begin})")

    @property
    def days(self) -> int:
        return (self.end - self.begin).days + 1

    def chunks(self, max_days: int = MAX_DAYS) -> list[Period]:
        """Consecutive periods of at most ``max_days`` covering this one, oldest first."""
        parts = []
        begin = self.begin
        while begin <= self.end:
            end = min(self.end, begin + timedelta(days=max_days - 1))
            parts.append(Period(begin, end))
            begin = end + timedelta(days=1)
        return parts

    def __str__(self) -> str:
        return f"{self.begin.isoformat()}..{self.end.isoformat()}"


def moscow_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(MOSCOW).date()


def relative(text: str, today: date) -> Period:
    """``yesterday``, ``today`` or ``last N days``; ValueError for anything else."""
    spelled = " ".join(text.strip().lower().split())
    yesterday = today - timedelta(days=1)
    if spelled == "yesterday":
        return Period(yesterday, yesterday)
    if spelled == "today":
        return Period(today, today)
    match = _LAST.match(spelled)
    if match and int(match[1]) >= 1:
        return Period(yesterday - timedelta(days=int(match[1]) - 1), yesterday)
    raise ValueError(f"{text!r} is not a period: use yesterday, today or 'last N days'")


def to_date(value: Any) -> date:
    """A Date variable (its Moscow day) or an ISO date / date-time string; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.astimezone(MOSCOW).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        return to_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
    raise ValueError(f"{value!r} is not a date")
