"""Faults switched on through the control API, applied to the next API requests.

``{"kind": ..., "count": N, "endpoint": "product_list" | "posting_list" | null, "delay_s": s}``
(``count`` null = until cleared; ``endpoint`` null = either). Kinds:
- ``rate_limit``: 429 with Ozon's ``{"code": 8, "message": "You have reached request rate limit per second"}``;
- ``server_error``: 500 ``{"code": 13, "message": "internal error"}``;
- ``unavailable``: 503 ``{"code": 14, "message": "service unavailable"}``;
- ``forbidden``: 403 ``{"code": 7, ...}`` as for a key without the method's role;
- ``drop``: the connection is closed without an answer (the client sees it cut off);
- ``slow``: wait ``delay_s`` before answering normally.
A faulted request is counted and logged like any other; nothing is served from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.sandbox.common.faults import CountedFault, FaultBook, count_of, kind_of

__all__ = ["ERRORS", "KINDS", "RATE_LIMIT_MESSAGE", "Fault", "FaultBook", "error_body"]

RATE_LIMIT_MESSAGE = "You have reached request rate limit per second"
# kind → (HTTP status, gRPC code, message)
ERRORS: dict[str, tuple[int, int, str]] = {
    "rate_limit": (429, 8, RATE_LIMIT_MESSAGE),
    "server_error": (500, 13, "internal error"),
    "unavailable": (503, 14, "service unavailable"),
    "forbidden": (403, 7, "Api-Key has no access to this method: check the key's roles"),
}
KINDS = (*ERRORS, "drop", "slow")
ENDPOINTS = ("product_list", "posting_list")


def error_body(code: int, message: str) -> dict[str, Any]:
    """Ozon's error body (``rpcStatus``): ``details`` is a list of ``{typeUrl, value}``, empty here."""
    return {"code": code, "message": message, "details": []}


@dataclass
class Fault(CountedFault):
    endpoint: str | None = None
    delay_s: float = 0.0

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = kind_of(spec, KINDS)
        endpoint = spec.get("endpoint")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)} or null")
        return cls(kind, count_of(spec), endpoint, float(spec.get("delay_s") or 0.0))

    def hits(self, target: str) -> bool:
        return self.endpoint is None or self.endpoint == target

    def answer(self) -> tuple[int, dict[str, Any]]:
        status, code, message = ERRORS[self.kind]
        return status, error_body(code, message)
