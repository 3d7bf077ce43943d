"""Control-API routes every sandbox has under ``/_sandbox/``, and settings parsing.

GET    /_sandbox/health     {"ok": true}
GET    /_sandbox/faults     the faults in force
POST   /_sandbox/faults     one fault (see the sandbox's faults.py) or {"faults": [...]}
DELETE /_sandbox/faults     clear faults
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tools.sandbox.common.faults import F, FaultBook

Reply = tuple[int, Any]


class ControlError(Exception):
    """A refused control request: status and message (answered as ``{"error": message}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def shared_route(
    faults: FaultBook[F],
    parse: Callable[[dict[str, Any]], F],
    route: tuple[str, str],
    body: dict[str, Any],
    now: float | None = None,
) -> Reply | None:
    """The health and fault routes for ``route`` (verb, path under ``/_sandbox/``); None for others."""
    if route == ("GET", "health"):
        return 200, {"ok": True}
    if route == ("GET", "faults"):
        return 200, {"faults": faults.listing(now)}
    if route == ("POST", "faults"):
        for spec in body.get("faults") or [body]:
            faults.add(parse(spec))
        return 200, {"faults": faults.listing(now)}
    if route == ("DELETE", "faults"):
        faults.clear()
        return 200, {"faults": []}
    return None


def apply_settings(target: object, body: dict[str, Any], fields: Mapping[str, Callable[[Any], Any]]) -> None:
    """Set each of ``fields`` that ``body`` names on ``target``, converted (ValueError when it cannot be)."""
    for name, convert in fields.items():
        if name in body:
            setattr(target, name, convert(body[name]))
