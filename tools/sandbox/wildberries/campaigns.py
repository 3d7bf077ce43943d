"""The seeded advertising campaigns of one seller account and their daily statistics.

Everything is a pure function of (account seed, campaign index, day, today), so a test can
compute the exact rows the sandbox serves. Stats cover the ``WINDOW_DAYS`` days before
"today" (today itself has none yet), each campaign only over the days it ran:

- index ``i`` has status ``STATUS_CYCLE[i % 12]``: active 9, paused 11, finished 7, plus
  ready 4 (never ran, no stats) and deleted -1 (ran, but fullstats refuses it);
- type 8 (single bid, obsolete) every fifth, else 9; payment ``cpc`` every third, else ``cpm``;
- ``ANOMALY_INDEX`` (active) spends 6,000–9,000 RUB a day and takes no orders over the last
  ``ANOMALY_DAYS`` days: the case a monitoring process should catch, even over one day (every
  other campaign spends less than 5,000 a day).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tools.sandbox.wildberries.clock import MOSCOW, day_stamp

WINDOW_DAYS = 60
STATUS_CYCLE = (9, 11, 9, 7, 9, 4, 11, 9, 7, 9, -1, 9)
STATS_STATUSES = (7, 9, 11)  # fullstats serves these only
ANOMALY_INDEX = 2
ANOMALY_DAYS = 7
ANOMALY_SPEND = (6000.0, 9000.0)  # RUB a day: one day alone passes a 5,000 threshold
COUNTS = ("views", "clicks", "atbs", "orders", "shks", "canceled")
MONEY = ("sum", "sum_price")
METRICS = ("views", "clicks", "ctr", "cpc", "sum", "atbs", "orders", "cr", "shks", "sum_price", "canceled")
APP_SHARES = ((32, 0.6), (64, 0.4))  # appType → share of the day (kept to two apps)
NAMES = ("Платья лето", "Кроссовки", "Постеры", "Футболки", "Сумки", "Кольца", "Кошельки", "Пледы")

Metrics = dict[str, Any]


@dataclass(frozen=True)
class Campaign:
    advert_id: int
    index: int
    name: str
    type: int
    status: int
    payment_type: str
    nm_ids: tuple[int, ...]
    first_offset: int  # the first day with stats, in days before today (0: never ran)
    last_offset: int  # the last day with stats, in days before today (1: yesterday)

    @property
    def anomaly(self) -> bool:
        return self.index == ANOMALY_INDEX

    @property
    def bid_type(self) -> str:
        return "unified" if self.type == 8 or self.payment_type == "cpm" else "manual"

    def stat_days(self, today: date) -> list[date]:
        """The days this campaign has statistics for, oldest first."""
        if self.first_offset <= 0:
            return []
        return [today - timedelta(days=back) for back in range(self.first_offset, self.last_offset - 1, -1)]

    def created(self, today: date) -> datetime:
        """When the campaign was created (a day before it first ran), Moscow time."""
        back = max(self.first_offset, 1) + 1
        return datetime.combine(today - timedelta(days=back), time(10, 15), MOSCOW)

    def changed(self, today: date) -> datetime:
        """Its last change: early on the day after its last stats; creation for one that never ran."""
        if self.first_offset <= 0:
            return self.created(today)
        return datetime.combine(today - timedelta(days=self.last_offset - 1), time(0, 40), MOSCOW)


def campaigns(seed: int, count: int) -> list[Campaign]:
    """The account's campaigns, in index order."""
    return [_campaign(seed, index) for index in range(count)]


def _campaign(seed: int, index: int) -> Campaign:
    status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
    first = WINDOW_DAYS if index % 4 == 0 else WINDOW_DAYS - (index * 11) % 45
    last = {9: 1, 11: 3 + index % 4, 7: 10 + index % 15, -1: 20}.get(status, 0)
    if status == 4:
        first = 0
    advert_id = 20_000_000 + seed * 10_000 + index * 13 + 1
    nm_base = 100_000_000 + seed * 100_000 + index * 10
    return Campaign(
        advert_id=advert_id,
        index=index,
        name=f"{NAMES[index % len(NAMES)]} #{index + 1}",
        type=8 if index % 5 == 4 else 9,
        status=status,
        payment_type="cpc" if index % 3 == 1 else "cpm",
        nm_ids=tuple(nm_base + k for k in range(1 + index % 2)),
        first_offset=first,
        last_offset=min(last, first) if first else 0,
    )


def day_metrics(seed: int, campaign: Campaign, day: date, today: date) -> Metrics:
    """One campaign's totals for one day (the formula tests recompute)."""
    rng = random.Random(f"fullstats:{seed}:{campaign.advert_id}:{day.isoformat()}")
    views = rng.randint(300, 3000)
    clicks = round(views * rng.uniform(0.02, 0.08))
    if campaign.payment_type == "cpc":
        spent = clicks * rng.uniform(5, 20)  # at most 4,800 a day: below the demo's 5,000 threshold
    else:
        spent = views / 1000 * rng.uniform(150, 400)
    atbs = rng.randint(0, clicks // 4)
    orders = rng.randint(0, atbs)
    shks = orders + (rng.randint(0, 1) if orders else 0)
    price = rng.uniform(500, 3000)
    canceled = rng.randint(0, orders // 3)
    runaway = rng.uniform(ANOMALY_SPEND[0], ANOMALY_SPEND[1])  # drawn always: the sequence stays put
    if campaign.anomaly and (today - day).days <= ANOMALY_DAYS:
        spent, orders, shks, canceled = runaway, 0, 0, 0
    counts = {"views": views, "clicks": clicks, "atbs": atbs, "orders": orders, "shks": shks}
    return with_ratios({**counts, "canceled": canceled, "sum": spent, "sum_price": shks * price})


def with_ratios(values: Metrics) -> Metrics:
    """Money rounded to kopecks, then ctr, cpc and cr from the counts (WB's order of fields)."""
    views, clicks = values["views"], values["clicks"]
    spent, revenue = round(values["sum"], 2), round(values["sum_price"], 2)
    return {
        "views": views,
        "clicks": clicks,
        "ctr": round(clicks / views * 100, 2) if views else 0,
        "cpc": round(spent / clicks, 2) if clicks else 0,
        "sum": spent,
        "atbs": values["atbs"],
        "orders": values["orders"],
        "cr": round(values["orders"] / clicks * 100, 2) if clicks else 0,
        "shks": values["shks"],
        "sum_price": revenue,
        "canceled": values["canceled"],
    }


def split(values: Metrics, shares: list[float]) -> list[Metrics]:
    """Split a day's metrics by ``shares``; the last part takes what rounding left over."""
    parts: list[Metrics] = []
    left = {key: values[key] for key in (*COUNTS, *MONEY)}
    for number, share in enumerate(shares):
        last = number == len(shares) - 1
        part: Metrics = {}
        for key in COUNTS:
            part[key] = left[key] if last else int(values[key] * share)
        for key in MONEY:
            part[key] = round(left[key], 2) if last else round(values[key] * share, 2)
        for key in left:
            left[key] -= part[key]
        parts.append(with_ratios(part))
    return parts


def total(days: list[Metrics]) -> Metrics:
    """A campaign's totals over the days served."""
    summed: Metrics = {key: sum(day[key] for day in days) for key in (*COUNTS, *MONEY)}
    return with_ratios(summed)


def fullstats_item(seed: int, campaign: Campaign, begin: date, end: date, today: date) -> Metrics | None:
    """The ``/adv/v3/fullstats`` element of one campaign (None when it has no day in range)."""
    days = [day for day in campaign.stat_days(today) if begin <= day <= end]
    if not days:
        return None
    served = [_day(seed, campaign, day, today) for day in days]
    return {"advertId": campaign.advert_id, **total(served), "boosterStats": [], "days": served}


def _day(seed: int, campaign: Campaign, day: date, today: date) -> Metrics:
    metrics = day_metrics(seed, campaign, day, today)
    apps = []
    for (app_type, _), app in zip(
        APP_SHARES, split(metrics, [share for _, share in APP_SHARES]), strict=True
    ):
        shares = [1 / len(campaign.nm_ids)] * len(campaign.nm_ids)
        nms = [
            {"nmId": nm_id, "name": campaign.name, **part}
            for nm_id, part in zip(campaign.nm_ids, split(app, shares), strict=True)
        ]
        apps.append({"appType": app_type, **app, "nms": nms})
    return {"date": day_stamp(day), **metrics, "apps": apps}
