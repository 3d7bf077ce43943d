"""The control API under ``/_sandbox/``: act as a person, switch faults, inspect, reset.

GET    /_sandbox/health                          {"ok": true}
GET    /_sandbox/state                           work packages (status names, comments), deleted
                                                 ids, counters (requests per endpoint, answers,
                                                 rate_limited, auth_failures, ignored_properties),
                                                 projects, faults, settings, auto rules
POST   /_sandbox/reset                           back to the seed (settings stay)
POST   /_sandbox/settings                        {"rate_limit_rps" (null: off), "rate_limit_burst",
                                                 "retry_after_s", "max_page_size",
                                                 "default_page_size", "read_only"}
POST   /_sandbox/projects/{id|identifier}        {"custom_fields": ["customField1"], "required":
                                                 ["customField2"], "forbidden": true}
GET    /_sandbox/work_packages/{id}              one work package, names resolved
POST   /_sandbox/work_packages/{id}/status       {"status": "Closed" | 5, "by": 3}
POST   /_sandbox/work_packages/{id}/comment      {"text": "…", "by": 3}
POST   /_sandbox/work_packages/{id}/assignee     {"user": 4 | null, "by": 3}
POST   /_sandbox/work_packages/{id}/custom_field {"field": "customField1", "value": …, "by": 3}
DELETE /_sandbox/work_packages/{id}              the work package is gone (404 from then on)
GET    /_sandbox/auto                            the simulated people's rules (see people.py)
POST   /_sandbox/auto                            {"rules": [...]}: replace them
DELETE /_sandbox/auto                            no more rules
GET/POST/DELETE /_sandbox/faults                 see faults.py
``by`` defaults to the assignee, else user 3.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tools.sandbox.common.control import ControlError, Reply, apply_settings, shared_route
from tools.sandbox.common.values import optional_float
from tools.sandbox.openproject import actions
from tools.sandbox.openproject.faults import Fault
from tools.sandbox.openproject.people import DEFAULT_PERSON, rule_from_json
from tools.sandbox.openproject.state import WorkPackage

if TYPE_CHECKING:
    from tools.sandbox.openproject.app import OpenProjectSandbox


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("read_only must be true or false")
    return value


SETTINGS: dict[str, Callable[[Any], Any]] = {
    "rate_limit_rps": optional_float,
    "rate_limit_burst": int,
    "retry_after_s": optional_float,
    "max_page_size": int,
    "default_page_size": int,
    "read_only": _flag,
}


def handle(app: OpenProjectSandbox, verb: str, path: str, body: dict[str, Any]) -> Reply:
    """Answer one control request (``path`` starts with ``/_sandbox/``)."""
    parts = [p for p in path.split("/") if p][1:]
    try:
        with app.state.lock:
            app.people.apply_due(app.state, time.time())
            if parts[:1] == ["work_packages"] and len(parts) >= 2:
                return _work_package(app, verb, parts[1:], body)
            if parts[:1] == ["projects"] and len(parts) == 2 and verb == "POST":
                return _project(app, parts[1], body)
            return _global(app, verb, "/".join(parts), body)
    except ControlError as exc:
        return exc.status, {"error": str(exc)}
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": f"{type(exc).__name__}: {exc}"}


def _global(app: OpenProjectSandbox, verb: str, route: str, body: dict[str, Any]) -> Reply:
    shared = shared_route(app.faults, Fault.from_json, (verb, route), body)
    if shared is not None:
        return shared
    if (verb, route) == ("GET", "state"):
        rules = [rule.json() for rule in app.people.rules]
        extra = {"faults": app.faults.listing(), "settings": app.settings.json(), "auto": rules}
        return 200, {**app.state.snapshot(), **extra}
    if (verb, route) == ("POST", "reset"):
        app.reset()
        return 200, {"ok": True}
    if (verb, route) == ("POST", "settings"):
        apply_settings(app.settings, body, SETTINGS)
        app.configure()
        return 200, app.settings.json()
    if route == "auto":
        return _auto(app, verb, body)
    raise ControlError(404, f"no control route {verb} /_sandbox/{route}")


def _auto(app: OpenProjectSandbox, verb: str, body: dict[str, Any]) -> Reply:
    if verb == "POST":
        app.people.rules = [rule_from_json(app.state, spec) for spec in body.get("rules") or [body]]
    elif verb == "DELETE":
        app.people.rules = []
    return 200, {"auto": [rule.json() for rule in app.people.rules]}


def _project(app: OpenProjectSandbox, ref: str, body: dict[str, Any]) -> Reply:
    state = app.state
    project = state.project(ref)
    if project is None:
        raise ControlError(404, f"no project {ref}")

    def field_ids(names: list[str]) -> list[int]:
        fields = [state.custom_field(str(name)) for name in names]
        if any(f is None for f in fields):
            raise ValueError(f"unknown custom field in {names}")
        return [f.id for f in fields if f is not None]

    if "custom_fields" in body:
        project.custom_fields = field_ids(body["custom_fields"])
    if "required" in body:
        project.required = set(field_ids(body["required"]))
    if "forbidden" in body:
        project.forbidden = _flag(body["forbidden"])
    return 200, next(p for p in state.snapshot()["projects"] if p["id"] == project.id)


def _work_package(app: OpenProjectSandbox, verb: str, parts: list[str], body: dict[str, Any]) -> Reply:
    state = app.state
    wp = state.work_packages.get(int(parts[0])) if parts[0].isdigit() else None
    if wp is None:
        raise ControlError(404, f"no work package {parts[0]}")
    action = parts[1] if len(parts) > 1 else ""
    if (verb, action) == ("DELETE", ""):
        state.delete(wp.id)
        return 200, {"deleted": wp.id}
    if verb == "POST" and action in ACTIONS:
        by = int(body.get("by") or wp.assignee_id or DEFAULT_PERSON)
        if by not in state.users:
            raise ValueError(f"no user {by}")
        ACTIONS[action](app, wp, body, by)
    elif (verb, action) != ("GET", ""):
        raise ControlError(404, f"no work package action {verb} {action}")
    return 200, state.summary(state.work_packages[wp.id])


def _status(app: OpenProjectSandbox, wp: WorkPackage, body: dict[str, Any], by: int) -> None:
    status = app.state.status(body.get("status", ""))
    if status is None:
        raise ValueError(f"unknown status {body.get('status')!r}")
    actions.set_status(app.state, wp, status, by, time.time())


def _comment(app: OpenProjectSandbox, wp: WorkPackage, body: dict[str, Any], by: int) -> None:
    actions.comment(app.state, wp, str(body.get("text") or ""), by, time.time())


def _assignee(app: OpenProjectSandbox, wp: WorkPackage, body: dict[str, Any], by: int) -> None:
    user = body.get("user")
    actions.assign(app.state, wp, None if user is None else int(user), by, time.time())


def _custom_field(app: OpenProjectSandbox, wp: WorkPackage, body: dict[str, Any], by: int) -> None:
    field = app.state.custom_field(str(body.get("field") or ""))
    if field is None:
        raise ValueError(f"unknown custom field {body.get('field')!r}")
    actions.set_custom(app.state, wp, field, body.get("value"), by, time.time())


ACTIONS: dict[str, Callable[[OpenProjectSandbox, WorkPackage, dict[str, Any], int], None]] = {
    "status": _status,
    "comment": _comment,
    "assignee": _assignee,
    "custom_field": _custom_field,
}
