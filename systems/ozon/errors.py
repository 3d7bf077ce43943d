"""The Ozon exception tree, and the one mapping from an error answer to it.

    OzonError (ExchangerError)
    ├── OzonTransient (+RetryableError)    5xx: nothing was read; ask again later
    │   └── OzonRateLimited                 429 / code 8: over 50 requests a second per Client-Id
    └── OzonRejected (+PermanentError)     400, 404, 409, other 4xx: the same request fails again
        ├── OzonAuthError                   401 / 403: names the environment variables, never the key
        └── OzonProtocolError               an answer that is not the documented JSON

Transport failures (unreachable, timed out, cut off) are ``core.errors.TransportFailure``
from ``core.http``, retryable too. Ozon's error body is ``{"code": <gRPC code>, "message":
"...", "details": [{"typeUrl", "value"}]}``; messages carry its ``message``, redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ExchangerError, PermanentError, RetryableError
from core.redact import redact

RATE_LIMITED = 8  # gRPC RESOURCE_EXHAUSTED, Ozon's "You have reached request rate limit per second"
CODE_NAMES = {
    3: "InvalidArgument",
    5: "NotFound",
    7: "PermissionDenied",
    8: "ResourceExhausted",
    9: "FailedPrecondition",
    12: "Unimplemented",
    13: "Internal",
    14: "Unavailable",
    16: "Unauthenticated",
}


class OzonError(ExchangerError):
    """Root of the tree; ``status`` (HTTP) and Ozon's ``code`` when known."""

    status: int | None = None
    code: int | None = None


class OzonTransient(OzonError, RetryableError):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        RetryableError.__init__(self, message, retry_after=retry_after)
        self.status, self.code = status, code


class OzonRateLimited(OzonTransient):
    """429 with code 8: the Client-Id sent more than Ozon allows per second."""


class OzonRejected(OzonError, PermanentError):
    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        PermanentError.__init__(self, message)
        self.status, self.code = status, code


class OzonAuthError(OzonRejected):
    """The Client-Id or Api-Key is missing, wrong, revoked, or lacks the method's role."""


class OzonProtocolError(OzonRejected):
    """A successful status whose body is not what the API documents."""


def read_error(payload: Any) -> tuple[int | None, str]:
    """(code, message) of Ozon's error body; (None, "") when it is something else."""
    if not isinstance(payload, Mapping):
        return None, ""
    code = payload.get("code")
    number = code if isinstance(code, int) and not isinstance(code, bool) else None
    return number, str(payload.get("message") or "")


def error_for(
    what: str,
    status: int,
    payload: Any,
    *,
    key_names: str,
    retry_after: float | None = None,
) -> OzonError:
    """The exception for one error answer of ``what`` (a method path)."""
    code, text = read_error(payload)
    name = CODE_NAMES.get(code or 0)
    label = f"Ozon {what}: HTTP {status}"
    if code is not None:
        label += f" (code {code} {name})" if name else f" (code {code})"
    message = f"{label}: {redact(text)}" if text else label
    if status == 429 or code == RATE_LIMITED:
        return OzonRateLimited(message, status=status, code=code, retry_after=retry_after)
    if status >= 500:
        return OzonTransient(message, status=status, code=code, retry_after=retry_after)
    if status in (401, 403):
        hint = f"; check the Client-Id and the Api-Key and its roles ({key_names})"
        return OzonAuthError(message + hint, status=status, code=code)
    return OzonRejected(message, status=status, code=code)
