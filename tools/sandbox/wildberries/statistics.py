"""The statistics API's orders and sales (reference §5), paged by ``lastChangeDate``.

``dateFrom`` (RFC3339 date or date-time, Moscow time) is required: missing answers 400
``{"errors": ["dateFrom: field required"]}``, unreadable ``{"errors": "dateFrom: Value not
validated"}``. ``flag=0`` (or none): rows changed at or after ``dateFrom``, ordered by
``lastChangeDate``, at most the page cap (WB: ~80,000; the sandbox: 500 by default, so paging
is exercised); ``[]`` once ``dateFrom`` is past the last change. ``flag=1``: every row whose
``date`` is that calendar day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tools.sandbox.wildberries import feed
from tools.sandbox.wildberries.accounts import Account
from tools.sandbox.wildberries.clock import parse_date_from

Reply = tuple[int, Any]
FEEDS = {"orders": feed.orders, "sales": feed.sales}


def rows(endpoint: str, account: Account, query: Mapping[str, str], today: date, cap: int) -> Reply:
    raw = query.get("dateFrom")
    if raw is None or not raw.strip():
        return 400, {"errors": ["dateFrom: field required"]}
    try:
        date_from = parse_date_from(raw)
    except ValueError:
        return 400, {"errors": "dateFrom: Value not validated"}
    source = FEEDS[endpoint](account.seed, today)
    if query.get("flag", "0") == "1":
        return 200, source.on_day(date_from.date())
    return 200, source.page(date_from, cap)
