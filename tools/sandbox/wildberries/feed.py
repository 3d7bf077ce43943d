"""The seeded orders and sales of one seller account, as the statistics API serves them.

About 50 orders a day over the ``WINDOW_DAYS`` days before today (a few thousand rows). Like
WB, ``lastChangeDate`` moves in 30-minute refreshes, so several rows share one: a page cut in
the middle of such a group shows the boundary rows again on the next page (the API answers
rows changed *at or after* ``dateFrom``). An order may be cancelled later (its row changes
again); about three in four of the others become a sale a few days on. Nothing changes after
today's midnight, Moscow time. Everything is a pure function of (seed, today).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from tools.sandbox.wildberries.campaigns import WINDOW_DAYS
from tools.sandbox.wildberries.clock import stamp

REFRESH = timedelta(minutes=30)
WAREHOUSES = (("Коледино", "Склад WB"), ("Электросталь", "Склад WB"), ("Подольск", "Склад продавца"))
REGIONS = (
    ("Центральный федеральный округ", "Московская"),
    ("Приволжский федеральный округ", "Татарстан"),
    ("Северо-Западный федеральный округ", "Санкт-Петербург"),
)
PRODUCTS = (  # subject, category, base price
    ("Платья", "Одежда", 2490),
    ("Кроссовки", "Обувь", 4990),
    ("Постеры", "Дом", 690),
    ("Футболки", "Одежда", 1290),
    ("Сумки", "Аксессуары", 3290),
)

Row = dict[str, Any]


@dataclass(frozen=True)
class Feed:
    """Rows ordered by (lastChangeDate, id), with their change times for bisecting."""

    rows: tuple[Row, ...]
    changes: tuple[datetime, ...]

    def page(self, date_from: datetime, cap: int) -> list[Row]:
        """At most ``cap`` rows changed at or after ``date_from``, in order."""
        start = bisect.bisect_left(self.changes, date_from)
        return list(self.rows[start : start + cap])

    def on_day(self, day: date) -> list[Row]:
        """``flag=1``: every row whose ``date`` falls on ``day``, whatever its last change."""
        prefix = day.isoformat()
        return [row for row in self.rows if row["date"].startswith(prefix)]


def refreshed(moment: datetime) -> datetime:
    """The next 30-minute refresh at or after ``moment`` (when WB's data shows a change)."""
    floor = moment.replace(minute=0, second=0, microsecond=0)
    while floor < moment:
        floor += REFRESH
    return floor


@lru_cache(maxsize=16)
def orders(seed: int, today: date) -> Feed:
    return _feed([order for order, _ in _deals(seed, today)], "srid")


@lru_cache(maxsize=16)
def sales(seed: int, today: date) -> Feed:
    return _feed([sale for _, sale in _deals(seed, today) if sale is not None], "saleID")


def _feed(rows: list[Row], key: str) -> Feed:
    rows.sort(key=lambda row: (row["lastChangeDate"], row[key]))
    changes = tuple(datetime.fromisoformat(row["lastChangeDate"]) for row in rows)
    return Feed(tuple(rows), changes)


@lru_cache(maxsize=16)
def _deals(seed: int, today: date) -> tuple[tuple[Row, Row | None], ...]:
    """(order, sale or None) for every order of the window."""
    midnight = datetime.combine(today, time())
    deals = []
    for back in range(WINDOW_DAYS, 0, -1):
        day = today - timedelta(days=back)
        rng = random.Random(f"orders:{seed}:{day.isoformat()}")
        for number in range(rng.randint(40, 60)):
            deals.append(_deal(seed, day, number, rng, midnight))
    return tuple(deals)


def _deal(
    seed: int, day: date, number: int, rng: random.Random, midnight: datetime
) -> tuple[Row, Row | None]:
    ordered = datetime.combine(day, time()) + timedelta(seconds=rng.randint(0, 86_399))
    order = _order(seed, day, number, ordered, rng)
    cancelled = ordered + timedelta(hours=rng.randint(2, 48))
    sold = ordered + timedelta(hours=rng.randint(24, 120))
    roll = rng.random()
    if roll < 0.08 and cancelled < midnight:
        order.update(isCancel=True, cancelDate=stamp(cancelled), lastChangeDate=stamp(refreshed(cancelled)))
        return order, None
    if roll < 0.8 and sold < midnight:
        return order, _sale(order, sold, rng)
    return order, None


def _order(seed: int, day: date, number: int, ordered: datetime, rng: random.Random) -> Row:
    subject, category, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
    product = PRODUCTS.index((subject, category, price))
    warehouse, warehouse_type = WAREHOUSES[rng.randrange(len(WAREHOUSES))]
    okrug, region = REGIONS[rng.randrange(len(REGIONS))]
    discount = rng.choice((10, 15, 20, 25))
    spp = rng.randint(0, 30)
    with_discount = round(price * (1 - discount / 100), 2)
    return {
        "date": stamp(ordered),
        "lastChangeDate": stamp(refreshed(ordered)),
        "warehouseName": warehouse,
        "warehouseType": warehouse_type,
        "countryName": "Россия",
        "oblastOkrugName": okrug,
        "regionName": region,
        "supplierArticle": f"ART-{seed}-{product + 1:03d}",
        "nmId": 300_000_000 + seed * 1_000 + product,
        "barcode": f"46{seed:03d}{product:07d}",
        "category": category,
        "subject": subject,
        "brand": "Sandbox",
        "techSize": "0",
        "incomeID": 50_000_000 + seed * 1_000 + day.toordinal() % 1_000,
        "isSupply": False,
        "isRealization": True,
        "totalPrice": price,
        "discountPercent": discount,
        "spp": spp,
        "finishedPrice": round(with_discount * (1 - spp / 100), 2),
        "priceWithDisc": with_discount,
        "isCancel": False,
        "cancelDate": "0001-01-01T00:00:00",
        "sticker": str(rng.randint(10**8, 10**9 - 1)),
        "gNumber": str(rng.randint(10**19, 10**20 - 1)),
        "srid": f"{seed}.r{day:%y%m%d}{number:03d}{rng.randint(0, 0xFFFF):04x}.0.0",
    }


def _sale(order: Row, sold: datetime, rng: random.Random) -> Row:
    keep = {key: order[key] for key in order if key not in ("isCancel", "cancelDate", "lastChangeDate")}
    sale_id = "S" + order["srid"].split(".")[1][1:11]
    for_pay = round(order["finishedPrice"] * rng.uniform(0.7, 0.85), 2)
    return {
        **keep,
        "date": stamp(sold),
        "lastChangeDate": stamp(refreshed(sold)),
        "paymentSaleAmount": rng.randint(0, 100),
        "forPay": for_pay,
        "saleID": sale_id,
    }
