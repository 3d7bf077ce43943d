"""The two list methods as the sandbox answers them: the body checked, one page out.

``POST /v3/product/list`` (Ozon's Swagger ``productv3GetProductListRequest``):
``{"filter": {"visibility": "ALL", "offer_id": [...], "product_id": [...]}, "last_id": "", "limit": 1..1000}``
→ ``{"result": {"items": [...], "total": N, "last_id": "..."}}``. ``last_id`` is an opaque
cursor after the last item returned; the page that reaches the end answers ``last_id: ""``.

``POST /v3/posting/fbs/list`` (``postingv3GetFbsPostingListRequest``):
``{"dir": "asc"|"desc", "filter": {"since": RFC3339, "to": RFC3339, "status": "..."}, "limit": 1..1000,
"offset": N, "with": {"analytics_data": bool, ...}}`` → ``{"result": {"postings": [...], "has_next": bool}}``.
``since <= in_process_at <= to``; a period over one year is refused, as the docs say.

A body that breaks these rules raises :class:`InvalidArgument` (400, gRPC code 3).

Shapes: Ozon's Swagger (``productv3GetProductListRequest``, ``postingv3GetFbsPostingListRequest``,
``v3FbsPosting``) as quoted by third-party clients; which source gave what, and what the sandbox
chose where nothing is documented: ``docs/ozon.md`` ("Where the shapes come from").
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tools.sandbox.ozon.catalogue import KNOWN_STATUSES, Posting, Product

MAX_LIMIT = 1000
CURSOR_PREFIX = "sandbox:"
# The visibility values the sandbox tells apart (Ozon's enum has ~25; others are refused here).
VISIBILITY = ("ALL", "VISIBLE", "INVISIBLE", "ARCHIVED")


class InvalidArgument(Exception):
    """400 with gRPC code 3 and this message."""


def product_page(body: dict[str, Any], catalogue: Sequence[Product]) -> dict[str, Any]:
    """One page of ``/v3/product/list``."""
    chosen = _filtered_products(_object(body.get("filter"), "filter"), catalogue)
    limit = _limit(body)
    after = _cursor(body.get("last_id"))
    remaining = [p for p in chosen if after is None or p.product_id > after]
    page = remaining[:limit]
    done = len(remaining) <= limit
    last_id = "" if done or not page else _encode(page[-1].product_id)
    return {"result": {"items": [p.item() for p in page], "total": len(chosen), "last_id": last_id}}


def posting_page(body: dict[str, Any], everything: Sequence[Posting]) -> dict[str, Any]:
    """One page of ``/v3/posting/fbs/list``."""
    filters = _object(body.get("filter"), "filter")
    since, to = _moment(filters, "since"), _moment(filters, "to")
    if to < since:
        raise InvalidArgument("filter.to must not be earlier than filter.since")
    if to > _one_year_after(since):
        raise InvalidArgument("the period between filter.since and filter.to must not exceed one year")
    status = filters.get("status") or None
    if status is not None and status not in KNOWN_STATUSES:
        raise InvalidArgument(f"filter.status: unknown posting status {status!r}")
    limit, offset = _limit(body), _offset(body)
    direction = str(body.get("dir") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidArgument("dir: must be asc or desc")
    chosen = [
        p for p in everything if since <= p.in_process_at <= to and (status is None or p.status == status)
    ]
    if direction == "desc":
        chosen.reverse()
    analytics = bool(_object(body.get("with"), "with").get("analytics_data"))
    page = chosen[offset : offset + limit]
    return {
        "result": {
            "postings": [p.json(with_analytics=analytics) for p in page],
            "has_next": offset + limit < len(chosen),
        }
    }


def _filtered_products(filters: dict[str, Any], catalogue: Sequence[Product]) -> list[Product]:
    visibility = str(filters.get("visibility") or "ALL").upper()
    if visibility not in VISIBILITY:
        raise InvalidArgument(f"filter.visibility: the sandbox knows {', '.join(VISIBILITY)}")
    offers = {str(o) for o in _list(filters.get("offer_id"), "filter.offer_id")}
    ids = {_int(i, "filter.product_id") for i in _list(filters.get("product_id"), "filter.product_id")}
    return [
        p
        for p in catalogue
        if _visible(p, visibility)
        and (not offers or p.offer_id in offers)
        and (not ids or p.product_id in ids)
    ]


def _visible(product: Product, visibility: str) -> bool:
    if visibility == "VISIBLE":
        return not product.archived
    if visibility == "ARCHIVED":
        return product.archived
    if visibility == "INVISIBLE":
        return not product.archived and not (product.has_fbo_stocks or product.has_fbs_stocks)
    return True


def _limit(body: dict[str, Any]) -> int:
    limit = _int(body.get("limit", 0), "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument(f"limit: value must be in range [1, {MAX_LIMIT}]")
    return limit


def _offset(body: dict[str, Any]) -> int:
    offset = _int(body.get("offset", 0), "offset")
    if offset < 0:
        raise InvalidArgument("offset: value must not be negative")
    return offset


def _cursor(raw: Any) -> int | None:
    """The product id a ``last_id`` points after; None for the first page."""
    if raw in (None, ""):
        return None
    try:
        text = base64.urlsafe_b64decode(str(raw).encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidArgument("last_id: invalid value") from None
    if not text.startswith(CURSOR_PREFIX) or not text[len(CURSOR_PREFIX) :].isdigit():
        raise InvalidArgument("last_id: invalid value")
    return int(text[len(CURSOR_PREFIX) :])


def _encode(product_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{product_id}".encode("ascii")).decode("ascii")


def _moment(filters: dict[str, Any], name: str) -> datetime:
    raw = filters.get(name)
    if not isinstance(raw, str) or not raw:
        raise InvalidArgument(f"filter.{name}: a date-time is required (RFC 3339, e.g. 2024-05-01T00:00:00Z)")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidArgument(f"filter.{name}: {raw!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise InvalidArgument(f"filter.{name}: {raw!r} has no time zone (use Z for UTC)")
    return moment


def _one_year_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28) + timedelta(days=1)


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidArgument(f"{name}: must be an object")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidArgument(f"{name}: must be a list")
    return value


def _int(value: Any, name: str) -> int:
    """An integer as protobuf JSON spells it: a number or a string of digits (int64)."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}: must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise InvalidArgument(f"{name}: must be an integer")
