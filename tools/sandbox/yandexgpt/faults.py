"""Faults switched on through the control API, applied to the next API requests.

``{"kind": ..., "count": N, "endpoint": "completion" | "completionAsync" | "operations", "shape": ...}``
(``count`` null = until cleared; ``endpoint`` null = any). Kinds:
- ``rate_limit``: 429 RESOURCE_EXHAUSTED (a "429 storm" is ``count`` of them), nothing generated;
- ``unavailable``: 503 UNAVAILABLE, nothing generated;
- ``server_error``: 500 INTERNAL, nothing generated;
- ``unauthorized``: 401 UNAUTHENTICATED; ``forbidden``: 403 PERMISSION_DENIED;
- ``slow``: wait ``delay_s`` before answering normally.
``shape`` picks the error body: ``status`` (google.rpc.Status) or ``gateway`` (``{"error": {grpcCode…}}``);
by default 429 uses the gateway's shape and the others google.rpc.Status.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

# kind → (HTTP status, gRPC code, message)
ERRORS: dict[str, tuple[int, int, str]] = {
    "rate_limit": (
        429,
        8,
        "ai.textGenerationCompletionSessionsCount.count gauge quota limit exceed: allowed 10",
    ),
    "unavailable": (503, 14, "Service is unavailable, try again later"),
    "server_error": (500, 13, "Internal error"),
    "unauthorized": (401, 16, "The token is invalid or has expired."),
    "forbidden": (403, 7, "Permission denied"),
}
KINDS = (*ERRORS, "slow")
HTTP_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error_body(status: int, grpc_code: int, message: str, shape: str = "status") -> dict[str, Any]:
    """One error answer in the chosen shape."""
    if shape == "gateway":
        return {
            "error": {
                "grpcCode": grpc_code,
                "httpCode": status,
                "message": message,
                "httpStatus": HTTP_STATUS_TEXT.get(status, ""),
                "details": [],
            }
        }
    details = [{"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "sandbox"}]
    return {"code": grpc_code, "message": message, "details": details}


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    endpoint: str | None = None
    delay_s: float = 0.0
    shape: str | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        shape = spec.get("shape")
        if shape not in (None, "status", "gateway"):
            raise ValueError("shape must be status or gateway")
        count = None if "count" in spec and spec["count"] is None else int(spec.get("count", 1))
        return cls(kind, count, spec.get("endpoint"), float(spec.get("delay_s") or 0.0), shape)

    def applies(self, endpoint: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        return self.endpoint is None or self.endpoint == endpoint

    def answer(self) -> tuple[int, dict[str, Any]]:
        status, code, message = ERRORS[self.kind]
        shape = self.shape or ("gateway" if status == 429 else "status")
        return status, error_body(status, code, message, shape)


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, endpoint: str) -> tuple[float, Fault | None]:
        """For one request: the total ``slow`` delay and the first failing fault (each used once)."""
        delay, failure = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.applies(endpoint) or (failure is not None and fault.kind != "slow"):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                if fault.kind == "slow":
                    delay += fault.delay_s
                else:
                    failure = fault
            self._faults = [f for f in self._faults if f.count is None or f.count > 0]
        return delay, failure
