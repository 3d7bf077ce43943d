"""The demo's own handler module, loaded by the python system (``handler_modules``).

It also shows users how to write one: a function per topic, registered on the router.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.errors import BusinessError

BIG_ORDER_TOTAL = 1000.0


def validate_order(ctx: TaskContext) -> HandlerOutcome:
    """An order needs lines with positive prices; big orders are flagged for the gateway."""
    items = ctx.variables.get("items") or []
    if not isinstance(items, list) or not items:
        raise BusinessError("INVALID_ORDER", "the order has no lines")
    prices = [float(line.get("price", 0)) for line in items if isinstance(line, dict)]
    if len(prices) != len(items) or any(price <= 0 for price in prices):
        raise BusinessError("INVALID_ORDER", "every line needs a positive price")
    total = round(sum(prices), 2)
    return complete({"order_total": total, "big_order": total > BIG_ORDER_TOTAL})


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    router.add("demo.validate_order", validate_order)
