"""The YandexGPT exception tree, and reading an error answer in either of its two shapes.

    YandexGptError (ExchangerError)
    ├── YandexGptTransient (+RetryableError)    429 RESOURCE_EXHAUSTED, 5xx, a broken answer in transit
    │   └── YandexGptRateLimited                 429: the quota said no; nothing was generated
    └── YandexGptRejected (+PermanentError)     retrying the same request will not help
        ├── YandexGptAuthError                   401 UNAUTHENTICATED, 403 PERMISSION_DENIED
        ├── YandexGptNotFound                    404 (an operation older than 3 days, a wrong id)
        └── YandexGptProtocolError               an answer that is not the documented JSON

Error bodies come as google.rpc.Status ``{"code": 8, "message": …, "details": […]}`` (the
documented model) or as the LLM gateway's ``{"error": {"grpcCode": 8, "httpCode": 429,
"message": …, "httpStatus": …}}``; :func:`error_for` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ExchangerError, PermanentError, RetryableError

GRPC_NAMES = {
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    16: "UNAUTHENTICATED",
}


class YandexGptError(ExchangerError):
    """Root of the tree; ``status`` (HTTP) and ``grpc_code`` when known."""

    status: int | None = None
    grpc_code: int | None = None


class YandexGptTransient(YandexGptError, RetryableError):
    def __init__(self, message: str, *, status: int | None = None, grpc_code: int | None = None) -> None:
        RetryableError.__init__(self, message)
        self.status, self.grpc_code = status, grpc_code


class YandexGptRateLimited(YandexGptTransient):
    """429 RESOURCE_EXHAUSTED: over a quota; the request was refused, not generated."""


class YandexGptRejected(YandexGptError, PermanentError):
    def __init__(self, message: str, *, status: int | None = None, grpc_code: int | None = None) -> None:
        PermanentError.__init__(self, message)
        self.status, self.grpc_code = status, grpc_code


class YandexGptAuthError(YandexGptRejected):
    """401/403: the key or token is wrong or expired, or the account may not use the folder or model."""


class YandexGptNotFound(YandexGptRejected):
    """404: no such operation or model."""


class YandexGptProtocolError(YandexGptRejected):
    """The answer is not the JSON the API documents."""


def read_error(payload: Any) -> tuple[int | None, str]:
    """(gRPC code, message) from either error shape; (None, "") when it is neither."""
    if not isinstance(payload, Mapping):
        return None, ""
    inner = payload.get("error")
    if isinstance(inner, Mapping):  # the gateway's shape
        return _int(inner.get("grpcCode")), str(inner.get("message") or "")
    return _int(payload.get("code")), str(payload.get("message") or "")


def error_for(what: str, status: int, payload: Any) -> YandexGptError:
    """The exception for one error answer; the message carries the API's own words."""
    code, text = read_error(payload)
    name = GRPC_NAMES.get(code or -1, "")
    label = f"YandexGPT {what}: HTTP {status}" + (f" {name}" if name else "")
    message = f"{label}: {text}" if text else label
    if status == 429 or code == 8:
        return YandexGptRateLimited(message, status=status, grpc_code=code)
    if status >= 500:
        return YandexGptTransient(message, status=status, grpc_code=code)
    if status in (401, 403) or code in (7, 16):
        hint = " (check the API key or IAM token and its role on the folder)"
        return YandexGptAuthError(message + hint, status=status, grpc_code=code)
    if status == 404:
        return YandexGptNotFound(message, status=status, grpc_code=code)
    return YandexGptRejected(message, status=status, grpc_code=code)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
