"""The control API under ``/_sandbox/``: when operations finish, scripted replies, faults, state.

GET    /_sandbox/health                          {"ok": true}
GET    /_sandbox/state                           generations, per_prompt, per_request_id,
                                                 operations, counters, faults, settings
POST   /_sandbox/reset                           forget everything (settings stay)
POST   /_sandbox/settings                        {"async_done_after_s": s | null (held until
                                                 finished here), "generation_delay_s",
                                                 "max_concurrent_sync"}
POST   /_sandbox/replies                         {"contains": "…", "text": "…", "status": "…"}
POST   /_sandbox/operations/{id}/finish          {"text": "…"} or {"error": {"code", "message"}}
POST   /_sandbox/operations/finish               finish every running operation
GET/POST/DELETE /_sandbox/faults                 see faults.py
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tools.sandbox.common.control import Reply, apply_settings, shared_route
from tools.sandbox.common.values import optional_float
from tools.sandbox.yandexgpt.faults import Fault
from tools.sandbox.yandexgpt.state import Reply as ScriptedReply

if TYPE_CHECKING:
    from tools.sandbox.yandexgpt.app import YandexGptSandbox

SETTINGS: dict[str, Callable[[Any], Any]] = {
    "async_done_after_s": optional_float,
    "generation_delay_s": float,
    "max_concurrent_sync": int,
}


def handle(app: YandexGptSandbox, verb: str, path: str, body: dict[str, Any]) -> Reply:
    parts = [p for p in path.split("/") if p][1:]
    try:
        if parts[:1] == ["operations"]:
            return _operations(app, verb, parts[1:], body)
        return _global(app, verb, "/".join(parts), body)
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"error": str(exc)}


def _global(app: YandexGptSandbox, verb: str, route: str, body: dict[str, Any]) -> Reply:
    state = app.state
    shared = shared_route(app.faults, Fault.from_json, (verb, route), body)
    if shared is not None:
        return shared
    if (verb, route) == ("GET", "state"):
        return 200, {**state.snapshot(), "faults": app.faults.listing(), "settings": _settings(app)}
    if (verb, route) == ("POST", "reset"):
        state.reset()
        app.faults.clear()
        return 200, {"ok": True}
    if (verb, route) == ("POST", "settings"):
        return 200, _apply(app, body)
    if (verb, route) == ("POST", "replies"):
        with state.lock:
            state.replies.append(ScriptedReply(str(body.get("contains", "")), str(body["text"])))
            if body.get("status"):
                state.replies[-1].status = str(body["status"])
        return 200, {"replies": len(state.replies)}
    return 404, {"error": f"no control route {verb} /_sandbox/{route}"}


def _operations(app: YandexGptSandbox, verb: str, parts: list[str], body: dict[str, Any]) -> Reply:
    if verb != "POST":
        return 404, {"error": "operations accept POST only"}
    if parts == ["finish"]:
        with app.state.lock:
            running = [op.id for op in app.state.operations.values() if not op.done]
            for operation_id in running:
                app.finish(operation_id)
        return 200, {"finished": running}
    if len(parts) == 2 and parts[1] == "finish":
        if parts[0] not in app.state.operations:
            return 404, {"error": f"no operation {parts[0]}"}
        app.finish(parts[0], body.get("text"), body.get("error"))
        return 200, app.state.snapshot()["operations"][parts[0]]
    return 404, {"error": "no such operations route"}


def _settings(app: YandexGptSandbox) -> dict[str, Any]:
    state = app.state
    return {
        "async_done_after_s": state.async_done_after_s,
        "generation_delay_s": state.generation_delay_s,
        "max_concurrent_sync": state.max_concurrent_sync,
    }


def _apply(app: YandexGptSandbox, body: dict[str, Any]) -> dict[str, Any]:
    state = app.state
    with state.lock:
        apply_settings(state, body, SETTINGS)
    return _settings(app)
