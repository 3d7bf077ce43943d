"""The control API under ``/_sandbox/``: act as a person, switch faults, inspect, reset.

GET    /_sandbox/health                     {"ok": true}
GET    /_sandbox/state                      tasks (fields, UF, comments, checklist,
                                            results), leads, users, counters, faults, settings
POST   /_sandbox/reset                      forget everything (settings stay)
POST   /_sandbox/settings                   {"auto_close_after_s", "rate", "burst"}
GET    /_sandbox/faults                     the faults in force
POST   /_sandbox/faults                     one fault (see faults.py) or {"faults": [...]}
DELETE /_sandbox/faults                     clear faults
POST   /_sandbox/users                      add a user {"NAME", "LAST_NAME", "ACTIVE"...}
GET    /_sandbox/tasks/{id}                 one task, everything about it
POST   /_sandbox/tasks/{id}/close           status 5 as a person: {"by", "result": text,
                                            "field": "UF_…", "value": "Y"}
POST   /_sandbox/tasks/{id}/approve         4 → 5 as the creator
POST   /_sandbox/tasks/{id}/status          {"status": 4} (any status, as a person)
DELETE /_sandbox/tasks/{id}                 the task is gone
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tools.sandbox.bitrix24.faults import Fault
from tools.sandbox.bitrix24.protocol import text, to_int
from tools.sandbox.bitrix24.state import TaskRecord, seed_user
from tools.sandbox.bitrix24.taskitems import add_result
from tools.sandbox.common.control import ControlError, Reply, apply_settings, shared_route
from tools.sandbox.common.values import optional_float

if TYPE_CHECKING:
    from tools.sandbox.bitrix24.app import Bitrix24Sandbox


def handle(app: Bitrix24Sandbox, verb: str, path: str, body: dict[str, Any]) -> Reply:
    """Answer one control request (``path`` starts with ``/_sandbox/``)."""
    parts = [p for p in path.split("/") if p][1:]
    app.state.apply_due(time.time())
    try:
        if parts[:1] == ["tasks"] and len(parts) >= 2:
            return _task_action(app, verb, parts[1:], body)
        return _global(app, verb, parts, body)
    except ControlError as exc:
        return exc.status, {"error": str(exc)}
    except ValueError as exc:
        return 400, {"error": str(exc)}


def _global(app: Bitrix24Sandbox, verb: str, parts: list[str], body: dict[str, Any]) -> Reply:
    route = (verb, "/".join(parts))
    now = time.time()
    shared = shared_route(app.faults, lambda spec: Fault.from_json(spec, now), route, body, now)
    if shared is not None:
        return shared
    if route == ("GET", "state"):
        return 200, {**app.state.snapshot(), "faults": app.faults.listing(now), "settings": _settings(app)}
    if route == ("POST", "reset"):
        app.reset()
        return 200, {"ok": True}
    if route == ("POST", "settings"):
        return 200, _apply_settings(app, body)
    if route == ("POST", "users"):
        return 200, _add_user(app, body)
    raise ControlError(404, f"no control route {verb} /_sandbox/{route[1]}")


def _settings(app: Bitrix24Sandbox) -> dict[str, Any]:
    return {
        "rate": app.bucket.rate,
        "burst": app.bucket.burst,
        "auto_close_after_s": app.state.auto_close_after_s,
    }


def _apply_settings(app: Bitrix24Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    if "rate" in body or "burst" in body:
        app.bucket.configure(
            float(body.get("rate", app.bucket.rate)), int(body.get("burst", app.bucket.burst))
        )
    apply_settings(app.state, body, {"auto_close_after_s": optional_float})
    return _settings(app)


def _add_user(app: Bitrix24Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    with app.state.lock:
        user_id = to_int(body.get("ID")) or max(app.state.users, default=0) + 1
        user = seed_user(
            user_id, str(body.get("NAME", "User")), str(body.get("LAST_NAME", str(user_id))), "", True
        )
        user.update({k: v for k, v in body.items() if k != "ID"})
        app.state.users[user_id] = user
        return user


def _task(app: Bitrix24Sandbox, raw_id: str) -> TaskRecord:
    task = app.state.tasks.get(to_int(raw_id) or 0)
    if task is None:
        raise ControlError(404, f"no task {raw_id}")
    return task


def _task_action(app: Bitrix24Sandbox, verb: str, parts: list[str], body: dict[str, Any]) -> Reply:
    now = time.time()
    with app.state.lock:
        task = _task(app, parts[0])
        action = parts[1] if len(parts) > 1 else ""
        by = body.get("by") or task.fields.get("responsibleId") or app.webhook_user
        if (verb, action) == ("GET", ""):
            return 200, task.snapshot()
        if (verb, action) == ("DELETE", ""):
            del app.state.tasks[task.id]
            return 200, {"deleted": task.id}
        if (verb, action) == ("POST", "close"):
            if body.get("field"):
                task.uf[str(body["field"]).upper()] = text(body.get("value"))
            if body.get("result"):
                add_result(app.state, task, by, str(body["result"]), now)
            app.state.close_task(task, by, now)
        elif (verb, action) == ("POST", "approve"):
            if task.fields.get("status") != "4":
                raise ControlError(409, f"task {task.id} is not awaiting approval")
            app.state.close_task(task, body.get("by") or task.fields.get("createdBy"), now)
        elif (verb, action) == ("POST", "status"):
            status = to_int(body.get("status"))
            if status is None or not 1 <= status <= 7:
                raise ControlError(400, "status must be 1..7")
            app.state.close_task(task, by, now, status=str(status))
        else:
            raise ControlError(404, f"no task action {verb} {action}")
        return 200, task.snapshot()
