"""The control API under ``/_sandbox/``: switch faults, inspect counters, add organisations.

GET    /_sandbox/health          {"ok": true}
GET    /_sandbox/state           counters (requests, statuses, cleaned per type and source,
                                 party lookups, connections), faults, settings
POST   /_sandbox/reset           forget counters, faults and added parties (settings stay)
POST   /_sandbox/settings        {"cleaner_rps", "suggestions_rps", "connections_per_minute"}
GET    /_sandbox/faults          the faults in force
POST   /_sandbox/faults          one fault (see faults.py) or {"faults": [...]}
DELETE /_sandbox/faults          clear faults
POST   /_sandbox/parties         add an organisation: {"inn", "ogrn", "short", "full", "kpp",
                                 "kind", "branch_type", "status"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.sandbox.common.control import Reply, shared_route
from tools.sandbox.dadata.faults import Fault
from tools.sandbox.dadata.parties import party

if TYPE_CHECKING:
    from tools.sandbox.dadata.app import DaDataSandbox

PARTY_KEYS = ("kpp", "kind", "branch_type", "status", "address")


def handle(app: DaDataSandbox, verb: str, path: str, body: dict[str, Any]) -> Reply:
    route = (verb, path.removeprefix("/_sandbox/").strip("/"))
    try:
        return _route(app, route, body)
    except (KeyError, TypeError, ValueError) as err:
        return 400, {"error": f"{type(err).__name__}: {err}"}


def _route(app: DaDataSandbox, route: tuple[str, str], body: dict[str, Any]) -> Reply:
    shared = shared_route(app.faults, Fault.from_json, route, body)
    if shared is not None:
        return shared
    if route == ("GET", "state"):
        return 200, {**app.state.snapshot(), "faults": app.faults.listing(), "settings": app.settings()}
    if route == ("POST", "reset"):
        app.reset()
        return 200, {"ok": True}
    if route == ("POST", "settings"):
        app.configure(**{**app.settings(), **{k: int(v) for k, v in body.items() if k in app.settings()}})
        return 200, app.settings()
    if route == ("POST", "parties"):
        extra = {key: body[key] for key in PARTY_KEYS if key in body}
        record = party(str(body["inn"]), str(body["ogrn"]), str(body["short"]), str(body["full"]), **extra)
        with app.state.lock:
            app.state.parties.append(record)
        return 200, record
    return 404, {"error": f"no control route {route[0]} /_sandbox/{route[1]}"}
