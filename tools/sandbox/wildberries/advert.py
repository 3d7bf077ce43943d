"""The advert API's three methods as the sandbox answers them (reference §5, 2026 replacements).

- ``GET /adv/v1/promotion/count``: campaigns grouped by (type, status) with their change times;
- ``GET /api/advert/v2/adverts?ids=&statuses=&payment_type=``: at most 50 ids; every filter
  optional; the answer has no ``type`` (WB's has none either: the type comes from ``count``);
- ``GET /adv/v3/fullstats?ids=&beginDate=&endDate=``: at most 50 ids of campaigns in status
  7/9/11, at most 31 days; one element per campaign with a day in range, totals over the days
  served, ``days`` with two ``apps`` each and one ``nms`` entry per article.
Violations answer 400 ``invalid payload`` with the reason in ``detail`` (``invalid ids``…).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from tools.sandbox.wildberries.accounts import Account
from tools.sandbox.wildberries.bodies import invalid_payload
from tools.sandbox.wildberries.campaigns import STATS_STATUSES, Campaign, campaigns, fullstats_item

Reply = tuple[int, Any]
MAX_IDS = 50
MAX_DAYS = 31
STATUSES = (-1, 4, 7, 8, 9, 11)
PAYMENT_TYPES = ("cpm", "cpc")


class Invalid(Exception):
    """A 400 with WB's ``detail``."""


def promotion_count(account: Account, today: date) -> Reply:
    groups: dict[tuple[int, int], list[Campaign]] = defaultdict(list)
    for campaign in campaigns(account.seed, account.campaigns):
        groups[(campaign.type, campaign.status)].append(campaign)
    adverts = [
        {
            "type": kind,
            "status": status,
            "count": len(members),
            "advert_list": [
                {"advertId": c.advert_id, "changeTime": c.changed(today).isoformat(timespec="microseconds")}
                for c in members
            ],
        }
        for (kind, status), members in sorted(groups.items())
    ]
    return 200, {"adverts": adverts, "all": account.campaigns}


def adverts(account: Account, query: Mapping[str, str], today: date) -> Reply:
    try:
        ids = _ids(query.get("ids"), required=False)
        statuses = _statuses(query.get("statuses"))
        payment = query.get("payment_type") or None
        if payment is not None and payment not in PAYMENT_TYPES:
            raise Invalid("invalid payment_type value")
    except Invalid as err:
        return 400, invalid_payload(str(err))
    chosen = [
        _advert(c, today)
        for c in campaigns(account.seed, account.campaigns)
        if (ids is None or c.advert_id in ids)
        and (statuses is None or c.status in statuses)
        and payment in (None, c.payment_type)
    ]
    return 200, {"adverts": chosen}


def fullstats(account: Account, query: Mapping[str, str], today: date) -> Reply:
    try:
        ids = _ids(query.get("ids"), required=True)
        assert ids is not None
        begin, end = _period(query.get("beginDate"), query.get("endDate"))
        known = {c.advert_id: c for c in campaigns(account.seed, account.campaigns)}
        if any(i not in known or known[i].status not in STATS_STATUSES for i in ids):
            raise Invalid("invalid ids")
    except Invalid as err:
        return 400, invalid_payload(str(err))
    items = [fullstats_item(account.seed, known[i], begin, end, today) for i in dict.fromkeys(ids)]
    return 200, [item for item in items if item is not None]


def _advert(campaign: Campaign, today: date) -> dict[str, Any]:
    created = campaign.created(today)
    started = created + timedelta(days=1) if campaign.first_offset > 0 else None
    deleted = campaign.changed(today) if campaign.status == -1 else None
    return {
        "id": campaign.advert_id,
        "bid_type": campaign.bid_type,
        "settings": {
            "name": campaign.name,
            "payment_type": campaign.payment_type,
            "placements": {"search": True, "recommendations": campaign.index % 2 == 0},
        },
        "status": campaign.status,
        "nm_settings": [
            {
                "nm_id": nm_id,
                "bids_kopecks": {"search": 1100 + 100 * campaign.index, "recommendations": 0},
                "subject": {"id": 52 + campaign.index % 5, "name": campaign.name.split(" #")[0]},
            }
            for nm_id in campaign.nm_ids
        ],
        "timestamps": {
            "created": created.isoformat(timespec="microseconds"),
            "started": started.isoformat(timespec="microseconds") if started else None,
            "updated": campaign.changed(today).isoformat(timespec="microseconds"),
            "deleted": deleted.isoformat(timespec="microseconds") if deleted else "2100-01-01T00:00:00+03:00",
        },
    }


def _ids(raw: str | None, *, required: bool) -> list[int] | None:
    if raw is None or not raw.strip():
        if required:
            raise Invalid("invalid ids")
        return None
    try:
        ids = [int(part) for part in raw.split(",")]
    except ValueError:
        raise Invalid("invalid ids") from None
    if len(ids) > MAX_IDS:
        raise Invalid(f"invalid ids: at most {MAX_IDS} campaigns per request")
    return ids


def _statuses(raw: str | None) -> set[int] | None:
    if raw is None or not raw.strip():
        return None
    try:
        statuses = {int(part) for part in raw.split(",")}
    except ValueError:
        raise Invalid("invalid statuses value") from None
    if not statuses <= set(STATUSES):
        raise Invalid("invalid statuses value")
    return statuses


def _period(begin: str | None, end: str | None) -> tuple[date, date]:
    try:
        first, last = date.fromisoformat(begin or ""), date.fromisoformat(end or "")
    except ValueError:
        raise Invalid("invalid beginDate or endDate: dates as YYYY-MM-DD are required") from None
    if last < first:
        raise Invalid("invalid period: endDate is before beginDate")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid(f"invalid period: at most {MAX_DAYS} days")
    return first, last
