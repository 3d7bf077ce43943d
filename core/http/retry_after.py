"""How long a system asks us to wait: ``Retry-After`` (seconds or an HTTP date) and vendors' own headers."""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

# Wildberries, StormBPMN and friends say it in their own words; seconds in each case.
VENDOR_HEADERS = ("X-Ratelimit-Retry", "X-Rate-Limit-Retry-After-Seconds", "X-RateLimit-Reset-After")


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait before the next call, or None when the answer does not say."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name in ("retry-after", *(h.lower() for h in VENDOR_HEADERS)):
        value = lowered.get(name)
        if value is None:
            continue
        seconds = _seconds(value.strip(), time.time() if now is None else now)
        if seconds is not None:
            return seconds
    return None


def _seconds(value: str, now: float) -> float | None:
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return None
