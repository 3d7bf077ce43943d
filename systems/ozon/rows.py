"""Dataset rows: one per product, one per posting with its product lines added up.

Rows are flat JSON objects (numbers as numbers, instants as Ozon's RFC 3339 strings), so a
later ``storage.upsert`` or ``data.*`` handler can key, filter and sum them without knowing
Ozon's nesting. A posting's prices arrive as strings (``"1390.0000"``); they are summed as
decimals and stored rounded to kopecks.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

PRODUCT_FIELDS = (
    "product_id",
    "offer_id",
    "sku",
    "archived",
    "has_fbo_stocks",
    "has_fbs_stocks",
    "is_discounted",
)
POSTING_FIELDS = (
    "posting_number",
    "order_id",
    "order_number",
    "status",
    "substatus",
    "in_process_at",
    "shipment_date",
    "delivering_date",
)


def product_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``/v3/product/list`` item without its nested ``quants``."""
    return {name: item.get(name) for name in PRODUCT_FIELDS}


def posting_row(posting: Mapping[str, Any]) -> dict[str, Any]:
    """A ``FbsPosting`` with its lines as totals: count, quantity, amount, SKUs and offer ids."""
    lines = [line for line in posting.get("products") or [] if isinstance(line, Mapping)]
    amount = sum((_price(line) * _quantity(line) for line in lines), Decimal(0))
    currencies = sorted({str(line["currency_code"]) for line in lines if line.get("currency_code")})
    cancellation = posting.get("cancellation")
    reason = cancellation.get("cancel_reason") if isinstance(cancellation, Mapping) else None
    return {
        **{name: posting.get(name) for name in POSTING_FIELDS},
        "products_count": len(lines),
        "quantity": sum(_quantity(line) for line in lines),
        "amount": float(round(amount, 2)),
        "currency_code": ",".join(currencies) or None,
        "skus": ",".join(str(line.get("sku")) for line in lines),
        "offer_ids": ",".join(str(line.get("offer_id")) for line in lines),
        "cancel_reason": reason or None,
    }


def _price(line: Mapping[str, Any]) -> Decimal:
    try:
        return Decimal(str(line.get("price") or 0))
    except InvalidOperation:
        return Decimal(0)


def _quantity(line: Mapping[str, Any]) -> int:
    try:
        return int(line.get("quantity") or 0)
    except (TypeError, ValueError):
        return 0
