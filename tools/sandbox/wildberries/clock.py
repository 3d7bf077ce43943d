"""Moscow time, the sandbox's "today", and the date strings the WB APIs read and write.

The statistics API speaks Moscow time (UTC+3) without an offset (``2026-01-05T10:30:00``);
the advert API's ``days[].date`` is ``2026-01-05T00:00:00Z``. "Today" is the real Moscow date
unless the control API fixes it, so tests can compute every expected row.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3), "MSK")
# RFC3339 date or date-time as WB accepts it: seconds or fractions optional, offset optional.
_STAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(?P<zone>Z|[+-]\d{2}:\d{2})?)?$"
)


def moscow_today(now: datetime | None = None) -> date:
    """The calendar date in Moscow now."""
    return (now or datetime.now(UTC)).astimezone(MOSCOW).date()


def stamp(moment: datetime) -> str:
    """A Moscow wall-clock time as the statistics API writes it (seconds, no offset)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def day_stamp(day: date) -> str:
    """A day as ``fullstats`` writes it in ``days[].date``."""
    return f"{day.isoformat()}T00:00:00Z"


def parse_date_from(text: str) -> datetime:
    """``dateFrom`` as a naive Moscow wall-clock time; ValueError when WB would not validate it."""
    match = _STAMP.match(text.strip())
    if match is None:
        raise ValueError(text)
    day = date.fromisoformat(match["date"])
    clock = (match["time"] or "00:00:00").split(".")[0]
    if clock.count(":") == 1:
        clock += ":00"
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    moment = datetime(day.year, day.month, day.day, hours, minutes, seconds)
    fraction = (match["time"] or "").partition(".")[2]
    if fraction:
        moment += timedelta(microseconds=int(fraction[:6].ljust(6, "0")))
    zone = match["zone"]
    if zone:  # an explicit offset: the same instant in Moscow
        offset = timedelta(0) if zone == "Z" else _offset(zone)
        moment = (moment.replace(tzinfo=timezone(offset)).astimezone(MOSCOW)).replace(tzinfo=None)
    return moment


def _offset(zone: str) -> timedelta:
    sign = -1 if zone.startswith("-") else 1
    hours, minutes = (int(part) for part in zone[1:].split(":"))
    return sign * timedelta(hours=hours, minutes=minutes)
