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

from dataclasses import dataclass
from typing import Any

from tools.sandbox.common.faults import CountedFault, FaultBook, count_of, kind_of

__all__ = ["ERRORS", "KINDS", "Fault", "FaultBook", "error_body"]

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
class Fault(CountedFault):
    endpoint: str | None = None
    delay_s: float = 0.0
    shape: str | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        kind = kind_of(spec, KINDS)
        shape = spec.get("shape")
        if shape not in (None, "status", "gateway"):
            raise ValueError("shape must be status or gateway")
        return cls(kind, count_of(spec), spec.get("endpoint"), float(spec.get("delay_s") or 0.0), shape)

    def hits(self, target: str) -> bool:
        return self.endpoint is None or self.endpoint == target

    def answer(self) -> tuple[int, dict[str, Any]]:
        status, code, message = ERRORS[self.kind]
        shape = self.shape or ("gateway" if status == 429 else "status")
        return status, error_body(status, code, message, shape)
