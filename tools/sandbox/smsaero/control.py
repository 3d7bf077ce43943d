"""The control API under ``/_sandbox/`` (served by every gate): deliver, fail, faults, state.

GET    /_sandbox/health                 {"ok": true}
GET    /_sandbox/state                  SMS, sends per "number|text", counters, balance, faults,
                                        settings, gates (which are down)
POST   /_sandbox/reset                  forget SMS, counters and faults (settings stay)
POST   /_sandbox/settings               {"auto_deliver_after_s", "balance", "price", "signs",
                                        "undeliverable": [numbers], "rejected": [numbers]}
GET    /_sandbox/faults                 the faults in force
POST   /_sandbox/faults                 one fault (see faults.py) or {"faults": [...]}
DELETE /_sandbox/faults                 clear faults
GET    /_sandbox/sms/{id}               one SMS
POST   /_sandbox/sms/{id}/deliver       status 1
POST   /_sandbox/sms/{id}/fail          status 2 (not delivered), or {"status": 6} (rejected)
POST   /_sandbox/gates/{n}/down         gate n (1-based) refuses connections
POST   /_sandbox/gates/{n}/up           gate n listens again on its port
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tools.sandbox.common.control import ControlError, Reply, apply_settings, shared_route
from tools.sandbox.common.values import optional_float
from tools.sandbox.smsaero.app import SmsAeroSandbox
from tools.sandbox.smsaero.faults import Fault

GateSwitch = Callable[[int, bool], dict[str, Any]]


def _numbers(values: Any) -> set[str]:
    """A list setting (sender names, phone numbers) as a set of text."""
    return {str(value) for value in values}


SETTINGS: dict[str, Callable[[Any], Any]] = {
    "auto_deliver_after_s": optional_float,
    "balance": float,
    "price": float,
    "signs": _numbers,
    "undeliverable": _numbers,
    "rejected": _numbers,
}


def handle(app: SmsAeroSandbox, gates: GateSwitch, verb: str, path: str, body: dict[str, Any]) -> Reply:
    parts = [p for p in path.split("/") if p][1:]
    app.state.apply_due(time.time())
    try:
        if parts[:1] == ["sms"] and len(parts) >= 2:
            return _sms(app, verb, parts[1:], body)
        if parts[:1] == ["gates"] and len(parts) == 3 and verb == "POST" and parts[2] in ("up", "down"):
            return 200, gates(int(parts[1]), parts[2] == "up")
        return _global(app, gates, verb, "/".join(parts), body)
    except ControlError as exc:
        return exc.status, {"error": str(exc)}
    except (ValueError, IndexError) as exc:
        return 400, {"error": str(exc)}


def _global(app: SmsAeroSandbox, gates: GateSwitch, verb: str, route: str, body: dict[str, Any]) -> Reply:
    shared = shared_route(app.faults, Fault.from_json, (verb, route), body)
    if shared is not None:
        return shared
    if (verb, route) == ("GET", "state"):
        return 200, {
            **app.state.snapshot(),
            "faults": app.faults.listing(),
            "settings": _settings(app),
            "gates": gates(0, True),
        }
    if (verb, route) == ("POST", "reset"):
        app.reset()
        return 200, {"ok": True}
    if (verb, route) == ("POST", "settings"):
        return 200, _apply(app, body)
    raise ControlError(404, f"no control route {verb} /_sandbox/{route}")


def _settings(app: SmsAeroSandbox) -> dict[str, Any]:
    state = app.state
    return {
        "auto_deliver_after_s": state.auto_deliver_after_s,
        "price": state.price,
        "signs": sorted(state.signs),
        "undeliverable": sorted(state.undeliverable),
        "rejected": sorted(state.rejected),
    }


def _apply(app: SmsAeroSandbox, body: dict[str, Any]) -> dict[str, Any]:
    state = app.state
    with state.lock:
        apply_settings(state, body, SETTINGS)
    return _settings(app)


def _sms(app: SmsAeroSandbox, verb: str, parts: list[str], body: dict[str, Any]) -> Reply:
    with app.state.lock:
        row = app.state.sms.get(int(parts[0]))
        if row is None:
            raise ControlError(404, f"no SMS {parts[0]}")
        action = parts[1] if len(parts) > 1 else ""
        if (verb, action) == ("POST", "deliver"):
            app.state.settle(row, 1, time.time())
        elif (verb, action) == ("POST", "fail"):
            status = int(body.get("status") or 2)
            if status not in (2, 6):
                raise ControlError(400, "a failed SMS has status 2 (not delivered) or 6 (rejected)")
            app.state.settle(row, status, time.time())
        elif (verb, action) != ("GET", ""):
            raise ControlError(404, f"no SMS action {verb} {action}")
        return 200, row.json(cost_text=True) | {"test": row.test}
