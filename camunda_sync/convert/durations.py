"""ISO 8601 durations read from timer labels such as "до 14 р. дн.", "6 мес.", "2 hours"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
AMOUNT = r"(?P<n>\d+(?:[.,]\d+)?)\s*"
# (pattern of the unit, ISO designator, whether it is a time part); WD = working days.
UNITS: tuple[tuple[str, str, bool], ...] = (
    (r"(?:р\.?\s*д\w*\.?|раб\w*\.?\s*д\w*|рд\b|working\s*days?|business\s*days?)", "WD", False),
    (r"(?:мин\w*|min\w*)", "M", True),
    (r"(?:сек\w*|sec\w*|s\b)", "S", True),
    (r"(?:час\w*|ч\b|ч\.|hours?|hrs?|h\b)", "H", True),
    (r"(?:дн\w*|день|дня|сут\w*|д\.|д\b|days?|d\b)", "D", False),
    (r"(?:недел\w*|нед\.?|weeks?|w\b)", "W", False),
    (r"(?:мес\w*|months?|mo\b)", "M", False),
    (r"(?:год\w*|лет|г\.|years?|y\b)", "Y", False),
)


@dataclass(frozen=True)
class LabelDuration:
    iso: str
    source: str  # the words it was read from
    estimate: bool  # working days turned into calendar days


def duration_from_label(label: str | None) -> LabelDuration | None:
    """The duration of the first "amount unit" in ``label``, or None.

    Working days become calendar days (×7/5, rounded up), since ISO durations cannot count
    working days; weeks become days, since the engine parses xsd:duration.
    """
    text = " ".join((label or "").split()).casefold()
    if ISO_DURATION.match(text.upper()):
        return LabelDuration(text.upper(), text, estimate=False)
    for unit, designator, is_time in UNITS:
        match = re.search(AMOUNT + unit, text)
        if match:
            amount = float(match.group("n").replace(",", "."))
            return LabelDuration(
                _iso(amount, designator, is_time), match.group(0).strip(), designator == "WD"
            )
    return None


def _iso(amount: float, designator: str, is_time: bool) -> str:
    if designator == "WD":
        return f"P{math.ceil(amount * 7 / 5)}D"
    if designator == "W":  # the engine parses xsd:duration, which has no weeks
        return f"P{math.ceil(amount * 7)}D"
    whole = math.ceil(amount)
    return f"PT{whole}{designator}" if is_time else f"P{whole}{designator}"
