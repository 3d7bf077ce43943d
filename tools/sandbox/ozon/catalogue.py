"""The seller data the sandbox serves: a product catalogue and FBS postings, the same on every run.

Everything derives from the Client-Id and a few numbers (how many products, how many days of
postings, the day they end), through ``random.Random`` seeded with strings, so two accounts
hold different data and a test can compute what a pull must return from this module alone.

- products: ``count`` of them, ``product_id`` ascending, about one in eight archived;
- postings: ``days`` days ending the day before ``anchor`` (UTC), 15–40 a day, each with one
  to three lines of non-archived products, in the v3 ``FbsPosting`` shape (see ``app.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

# Weighted like a seller's month: most postings delivered, some cancelled, the rest in flight.
STATUSES = (
    ("delivered", 45),
    ("delivering", 15),
    ("cancelled", 10),
    ("awaiting_deliver", 10),
    ("awaiting_packaging", 10),
    ("driver_pickup", 5),
    ("not_accepted", 3),
    ("arbitration", 2),
)
KNOWN_STATUSES = frozenset(
    {name for name, _ in STATUSES}
    | {"awaiting_registration", "acceptance_in_progress", "awaiting_approve", "client_arbitration"}
)
IN_DELIVERY = frozenset({"delivering", "delivered", "driver_pickup", "not_accepted", "arbitration"})


@dataclass(frozen=True)
class Product:
    product_id: int
    offer_id: str
    sku: int
    archived: bool
    has_fbo_stocks: bool
    has_fbs_stocks: bool
    is_discounted: bool
    price: int  # roubles, what its posting lines cost

    def item(self) -> dict[str, Any]:
        """The ``/v3/product/list`` item."""
        return {
            "product_id": self.product_id,
            "offer_id": self.offer_id,
            "sku": self.sku,
            "has_fbo_stocks": self.has_fbo_stocks,
            "has_fbs_stocks": self.has_fbs_stocks,
            "archived": self.archived,
            "is_discounted": self.is_discounted,
            "quants": [],
        }


@dataclass(frozen=True)
class Posting:
    posting_number: str
    order_id: int
    order_number: str
    status: str
    in_process_at: datetime
    lines: tuple[tuple[Product, int], ...]  # (product, quantity)

    def json(self, with_analytics: bool = False) -> dict[str, Any]:
        """The ``FbsPosting`` of ``/v3/posting/fbs/list`` (the fields a list answer carries)."""
        shipment = self.in_process_at + timedelta(days=1)
        delivering = self.in_process_at + timedelta(days=2) if self.status in IN_DELIVERY else None
        return {
            "posting_number": self.posting_number,
            "order_id": self.order_id,
            "order_number": self.order_number,
            "status": self.status,
            "substatus": f"posting_{self.status}",
            "delivery_method": {"id": 21321684811000, "name": "Ozon Логистика самостоятельно, Москва"},
            "tracking_number": "",
            "tpl_integration_type": "ozon",
            "in_process_at": rfc3339(self.in_process_at),
            "shipment_date": rfc3339(shipment),
            "delivering_date": rfc3339(delivering) if delivering else None,
            "cancellation": _cancellation(self.status),
            "customer": None,
            "addressee": None,
            "products": [_line(product, quantity) for product, quantity in self.lines],
            "barcodes": None,
            "analytics_data": _analytics(self) if with_analytics else None,
            "financial_data": None,
            "is_express": False,
            "requirements": {"products_requiring_gtd": [], "products_requiring_country": []},
        }


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def client_seed(client_id: str) -> int:
    return sum(ord(ch) * (i + 1) for i, ch in enumerate(client_id)) % 97


@lru_cache(maxsize=32)
def products(client_id: str, count: int) -> tuple[Product, ...]:
    """The catalogue of one account, ``product_id`` ascending."""
    base = 200_000_000 + client_seed(client_id) * 1_000_000
    made = []
    for index in range(count):
        rng = random.Random(f"product:{client_id}:{index}")
        product_id = base + index * 11 + rng.randint(0, 9)
        made.append(
            Product(
                product_id=product_id,
                offer_id=f"OZ-{client_id[-4:]}-{index:05d}",
                sku=1_500_000_000 + product_id,
                archived=rng.random() < 0.125,
                has_fbo_stocks=rng.random() < 0.4,
                has_fbs_stocks=rng.random() < 0.7,
                is_discounted=rng.random() < 0.05,
                price=rng.randint(199, 9_999),
            )
        )
    return tuple(made)


@lru_cache(maxsize=32)
def postings(client_id: str, count: int, days: int, anchor: date) -> tuple[Posting, ...]:
    """The postings of one account over ``days`` days before ``anchor``, in time order."""
    on_sale = [p for p in products(client_id, count) if not p.archived]
    made: list[Posting] = []
    first = anchor - timedelta(days=days)
    order_base = 30_000_000 + client_seed(client_id) * 100_000
    for offset in range(days):
        day = first + timedelta(days=offset)
        rng = random.Random(f"day:{client_id}:{day.isoformat()}")
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        seconds = sorted(rng.sample(range(86_400), rng.randint(15, 40)))
        for second in seconds:
            number = order_base + len(made)
            made.append(_posting(rng, number, start + timedelta(seconds=second), on_sale))
    return tuple(made)


def _posting(rng: random.Random, number: int, moment: datetime, on_sale: list[Product]) -> Posting:
    order_number = f"{number:08d}-{rng.randint(1, 9999):04d}"
    names = [name for name, _ in STATUSES]
    weights = [weight for _, weight in STATUSES]
    lines = tuple((rng.choice(on_sale), rng.randint(1, 3)) for _ in range(rng.randint(1, 3)))
    return Posting(
        posting_number=f"{order_number}-1",
        order_id=number * 7 + 100_000_000,
        order_number=order_number,
        status=rng.choices(names, weights)[0],
        in_process_at=moment,
        lines=lines,
    )


def _line(product: Product, quantity: int) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "offer_id": product.offer_id,
        "name": f"Товар {product.offer_id}",
        "quantity": quantity,
        "price": f"{product.price}.0000",
        "currency_code": "RUB",
        "is_marketplace_buyout": False,
    }


def _cancellation(status: str) -> dict[str, Any]:
    if status != "cancelled":
        return {
            "cancel_reason_id": 0,
            "cancel_reason": "",
            "cancellation_type": "",
            "cancelled_after_ship": False,
        }
    return {
        "cancel_reason_id": 352,
        "cancel_reason": "Покупатель отменил заказ",
        "cancellation_type": "client",
        "cancelled_after_ship": False,
    }


def _analytics(posting: Posting) -> dict[str, Any]:
    return {
        "region": "Москва",
        "city": "Москва",
        "delivery_type": "PVZ",
        "is_premium": False,
        "payment_type_group_name": "Карты оплаты",
        "warehouse_id": 1020000000000000,
        "warehouse": "Склад продавца",
        "is_legal": posting.order_id % 10 == 0,
    }
