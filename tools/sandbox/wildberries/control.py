"""The control API under ``/_sandbox/``: state, settings, tokens and faults.

GET    /_sandbox/health          {"ok": true}
GET    /_sandbox/state           requests per endpoint, statuses, every call with its parameters
                                 (``calls``), 200s of fullstats per "account ids begin end"
                                 (``fullstats_served``), statistics rows served, accounts,
                                 token grants (without the tokens), faults, settings
POST   /_sandbox/reset           forget calls, faults and spent rate tokens (settings stay)
POST   /_sandbox/settings        {"today": "YYYY-MM-DD" | null (real Moscow date),
                                 "time_scale": 60, "page_cap": 500}
POST   /_sandbox/tokens          {"token", "account": "main" | "second", "categories": [...]}
GET    /_sandbox/faults          the faults in force
POST   /_sandbox/faults          one fault (see faults.py) or {"faults": [...]}
DELETE /_sandbox/faults          clear faults
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from tools.sandbox.common.control import Reply, shared_route
from tools.sandbox.wildberries.accounts import ACCOUNTS
from tools.sandbox.wildberries.faults import Fault

if TYPE_CHECKING:
    from tools.sandbox.wildberries.app import WildberriesSandbox


def handle(app: WildberriesSandbox, verb: str, path: str, body: dict[str, Any]) -> Reply:
    route = (verb, path.removeprefix("/_sandbox/").strip("/"))
    try:
        return _route(app, route, body)
    except (KeyError, TypeError, ValueError) as err:
        return 400, {"error": f"{type(err).__name__}: {err}"}


def _route(app: WildberriesSandbox, route: tuple[str, str], body: dict[str, Any]) -> Reply:
    shared = shared_route(app.faults, Fault.from_json, route, body)
    if shared is not None:
        return shared
    if route == ("GET", "state"):
        return 200, {
            **app.state.snapshot(),
            "accounts": {name: asdict(account) for name, account in ACCOUNTS.items()},
            "tokens": app.tokens.listing(),
            "faults": app.faults.listing(),
            "settings": app.settings(),
        }
    if route == ("POST", "reset"):
        app.reset()
        return 200, {"ok": True}
    if route == ("POST", "settings"):
        _apply(app, body)
        return 200, app.settings()
    if route == ("POST", "tokens"):
        grant = app.tokens.grant(str(body["token"]), str(body["account"]), list(body["categories"]))
        return 200, {"account": grant.account.name, "categories": sorted(grant.categories)}
    return 404, {"error": f"no control route {route[0]} /_sandbox/{route[1]}"}


def _apply(app: WildberriesSandbox, body: dict[str, Any]) -> None:
    if "today" in body:
        app.fixed_today = date.fromisoformat(body["today"]) if body["today"] else None
    if "time_scale" in body:
        scale = float(body["time_scale"])
        if scale <= 0:
            raise ValueError("time_scale must be > 0")
        app.buckets.reset(scale)
    if "page_cap" in body:
        cap = int(body["page_cap"])
        if cap < 1:
            raise ValueError("page_cap must be >= 1")
        app.page_cap = cap
