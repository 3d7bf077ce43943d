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

import threading
from dataclasses import asdict, dataclass
from typing import Any

from tools.sandbox.bitrix24.protocol import ApiError, to_int

KINDS = ("server_error", "slow", "unauthorized", "overload", "operation_limit")


@dataclass
class Fault:
    """One switched-on fault."""

    kind: str
    count: int | None = 1
    method: str | None = None
    status: int = 500
    code: str = "INTERNAL_SERVER_ERROR"
    delay_s: float = 0.0
    until: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any], now: float) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
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

    def applies(self, method: str, now: float) -> bool:
        """Whether the fault hits a call of ``method`` now."""
        if self.count is not None and self.count <= 0:
            return False
        if self.until is not None and now >= self.until:
            return False
        return self.method is None or self.method == method

    def consume(self) -> None:
        """One use of a counted fault."""
        if self.count is not None:
            self.count -= 1

    def error(self) -> ApiError:
        """The error answer of a failing kind."""
        if self.kind == "unauthorized":
            return ApiError(401, "NO_AUTH_FOUND", "Wrong authorization data")
        if self.kind == "overload":
            return ApiError(503, "OVERLOAD_LIMIT", "REST API is blocked due to overload.")
        if self.kind == "operation_limit":
            return ApiError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
        return ApiError(self.status, self.code, "Internal server error")


class FaultBook:
    """The faults in force, in the order they were switched on."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listing(self, now: float) -> list[dict[str, Any]]:
        """The faults still in force, as JSON."""
        with self._lock:
            return [asdict(f) for f in self._faults if f.applies(f.method or "", now)]

    def take(self, method: str, now: float) -> tuple[float, Fault | None]:
        """For one request: the total delay of ``slow`` faults and the first failing fault."""
        delay, failure = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.applies(method, now) or (failure is not None and fault.kind != "slow"):
                    continue
                fault.consume()
                if fault.kind == "slow":
                    delay += fault.delay_s
                else:
                    failure = fault
            self._faults = [f for f in self._faults if f.applies(f.method or "", now)]
        return delay, failure

    def operation_limit(self, method: str, now: float) -> Fault | None:
        """The operation-time limit on ``method``, if one is in force (batch commands)."""
        with self._lock:
            return next(
                (f for f in self._faults if f.kind == "operation_limit" and f.applies(method, now)), None
            )
