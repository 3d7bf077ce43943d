"""The control API under ``/_sandbox/``: settings, accounts, expected data, faults, state.

GET    /_sandbox/health          {"ok": true}
GET    /_sandbox/state           counters (requests per path, statuses, per Client-Id), the
                                 request log (path, client_id, status, last_id, offset, limit,
                                 since, to, body), settings, Client-Ids, faults
POST   /_sandbox/reset           forget counters, log and faults (settings and accounts stay)
POST   /_sandbox/settings        {"rate_limit_rps", "products", "days", "anchor": "YYYY-MM-DD" | null}
POST   /_sandbox/clients         {"client_id": "123", "api_key": "..."}: add or replace an account
POST   /_sandbox/expected        {"client_id", "since"?, "to"?, "status"?}: what the account holds:
                                 products, archived, and for a period the postings' count and numbers
GET/POST/DELETE /_sandbox/faults see faults.py
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tools.sandbox.common.control import Reply, shared_route
from tools.sandbox.ozon.faults import Fault

if TYPE_CHECKING:
    from tools.sandbox.ozon.app import OzonSandbox


def _positive(value: Any) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("rate_limit_rps must be above 0")
    return number


def _count(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return convert


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


SETTINGS: dict[str, Callable[[Any], Any]] = {
    "rate_limit_rps": _positive,
    "products": _count(1, 100_000),
    "days": _count(1, 400),
    "anchor": _day,
}


def handle(app: OzonSandbox, verb: str, path: str, body: dict[str, Any]) -> Reply:
    route = "/".join(p for p in path.split("/") if p)[len("_sandbox/") :]
    try:
        shared = shared_route(app.faults, Fault.from_json, (verb, route), body)
        if shared is not None:
            return shared
        return _own(app, verb, route, body)
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": str(exc)}


def _own(app: OzonSandbox, verb: str, route: str, body: dict[str, Any]) -> Reply:
    if (verb, route) == ("GET", "state"):
        return 200, {
            **app.state.snapshot(),
            "settings": app.settings.json(),
            "clients": sorted(app.clients),
            "faults": app.faults.listing(),
        }
    if (verb, route) == ("POST", "reset"):
        app.reset()
        return 200, {"ok": True}
    if (verb, route) == ("POST", "settings"):
        app.configure({name: SETTINGS[name](value) for name, value in body.items() if name in SETTINGS})
        return 200, app.settings.json()
    if (verb, route) == ("POST", "clients"):
        client_id, api_key = str(body["client_id"]), str(body["api_key"])
        if not client_id.isdigit() or not api_key:
            raise ValueError("client_id must be digits and api_key not empty")
        app.clients[client_id] = api_key
        return 200, {"clients": sorted(app.clients)}
    if (verb, route) == ("POST", "expected"):
        return 200, expected(app, body)
    return 404, {"error": f"no control route {verb} /_sandbox/{route}"}


def expected(app: OzonSandbox, body: dict[str, Any]) -> dict[str, Any]:
    """What an account holds: its products and, for a period, its postings (``since <= t <= to``)."""
    client_id = str(body["client_id"])
    products = app.products(client_id)
    answer: dict[str, Any] = {
        "products": len(products),
        "archived": sum(1 for p in products if p.archived),
    }
    if body.get("since") and body.get("to"):
        since, to = datetime.fromisoformat(body["since"]), datetime.fromisoformat(body["to"])
        status = body.get("status")
        chosen = [
            p
            for p in app.postings(client_id)
            if since <= p.in_process_at <= to and (not status or p.status == status)
        ]
        answer["postings"] = len(chosen)
        answer["posting_numbers"] = [p.posting_number for p in chosen]
    return answer
