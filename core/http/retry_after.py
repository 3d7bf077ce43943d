"""How long a system asks us to wait: ``Retry-After`` (seconds or an HTTP date) and vendors' own headers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Wildberries, StormBPMN and friends say it in their own words; seconds in each case.
VENDOR_HEADERS = ("X-Ratelimit-Retry", "X-Rate-Limit-Retry-After-Seconds", "X-RateLimit-Reset-After")
_SECONDS = re.compile(r"\d+(\.\d+)?")


def retry_after_s(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait before the next call, or None when the answer does not say."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in ("retry-after", *(h.lower() for h in VENDOR_HEADERS)):
        seconds = parse_retry_after(lowered.get(name), now)
        if seconds is not None:
            return seconds
    return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """One header value as seconds from now: delta-seconds or an HTTP date; None if absent or bad."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
