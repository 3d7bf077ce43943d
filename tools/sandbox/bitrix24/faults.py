"""Faults switched on through the control API, applied to the next REST requests.

Kinds (JSON ``{"kind": ..., "count": N, "method": "..."}``; ``count`` null = until cleared,
``method`` null = any method):
- ``server_error``: answer ``status`` (500) with ``code`` (INTERNAL_SERVER_ERROR);
- ``slow``: wait ``delay_s`` before answering normally;
- ``unauthorized``: 401 NO_AUTH_FOUND;
- ``overload``: 503 OVERLOAD_LIMIT (blocked by support);
- ``operation_limit``: 429 OPERATION_TIME_LIMIT for ``method`` until ``reset_after_s`` from now,
  also inside ``batch`` (as that command's ``result_error``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.sandbox.bitrix24.protocol import ApiError, to_int
from tools.sandbox.common.faults import CountedFault, kind_of
from tools.sandbox.common.faults import FaultBook as _Book

KINDS = ("server_error", "slow", "unauthorized", "overload", "operation_limit")


@dataclass
class Fault(CountedFault):
    """One switched-on fault."""

    method: str | None = None
    status: int = 500
    code: str = "INTERNAL_SERVER_ERROR"
    delay_s: float = 0.0
    until: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any], now: float) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = kind_of(spec, KINDS)
        method = str(spec["method"]).lower() if spec.get("method") else None
        if kind == "operation_limit" and method is None:
            raise ValueError("an operation_limit fault needs a method")
        default_count = None if kind == "operation_limit" else 1
        count = to_int(spec["count"]) if spec.get("count") is not None else default_count
        fault = cls(kind, count, method, to_int(spec.get("status")) or 500)
        fault.code = str(spec.get("code") or fault.code)
        fault.delay_s = float(spec.get("delay_s") or 0.0)
        if kind == "operation_limit":
            fault.until = now + float(spec.get("reset_after_s") or 60.0)
        return fault

    def live(self, now: float) -> bool:
        """Uses left and, for an operation limit, not yet reset."""
        return super().live(now) and (self.until is None or now < self.until)

    def hits(self, target: str) -> bool:
        """Whether the fault aims at calls of the method ``target``."""
        return self.method is None or self.method == target

    def error(self) -> ApiError:
        """The error answer of a failing kind."""
        if self.kind == "unauthorized":
            return ApiError(401, "NO_AUTH_FOUND", "Wrong authorization data")
        if self.kind == "overload":
            return ApiError(503, "OVERLOAD_LIMIT", "REST API is blocked due to overload.")
        if self.kind == "operation_limit":
            return ApiError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
        return ApiError(self.status, self.code, "Internal server error")


class FaultBook(_Book[Fault]):
    """The faults in force; batch commands ask for the operation-time limit on their method."""

    def operation_limit(self, method: str, now: float) -> Fault | None:
        """The operation-time limit on ``method``, if one is in force."""
        return self.in_force("operation_limit", method, now)
