"""The Bitrix24 exception tree and the mapping from an answer to an exception.

Every class also derives from the kernel's :class:`~core.errors.RetryableError` or
:class:`~core.errors.PermanentError`, so the pipeline's retry policy needs no Bitrix knowledge.

    Bitrix24Error (ExchangerError)          anything from the Bitrix24 REST API
    ├── Bitrix24Transient (+RetryableError) try again later; ``retry_after`` when known
    │   ├── Bitrix24Unavailable             network error, timeout, 5xx; ``outcome_unknown``
    │   │                                   when a non-repeatable call may have taken effect
    │   ├── Bitrix24RateLimited             503 QUERY_LIMIT_EXCEEDED (leaky bucket full)
    │   └── Bitrix24OperationLimit          429 OPERATION_TIME_LIMIT, one method paused
    └── Bitrix24Rejected (+PermanentError)  the portal refused: ``code``, ``description``
        ├── Bitrix24AuthError               401/403: NO_AUTH_FOUND, ACCESS_DENIED, insufficient_scope…
        ├── Bitrix24Blocked                 503 OVERLOAD_LIMIT (blocked by support), PORTAL_DELETED
        ├── Bitrix24NotFound                400 "Not found" (crm.*.get / update)
        └── Bitrix24ProtocolError           an answer that is not the documented JSON

Messages carry the method, the HTTP status and the Bitrix code and description, never the
webhook URL (it holds the secret).
"""

from __future__ import annotations

from core.errors import ExchangerError, PermanentError, RetryableError

#: 401/403 codes (system-errors.md); 401 and 403 are auth problems whatever the code says.
AUTH_CODES = frozenset(
    {"NO_AUTH_FOUND", "INVALID_CREDENTIALS", "ACCESS_DENIED", "INSUFFICIENT_SCOPE", "EXPIRED_TOKEN"}
    | {"INVALID_TOKEN", "USER_ACCESS_ERROR", "WRONG_AUTH_TYPE", "AUTHORIZATION_ERROR"}
)


def describe(method: str, status: int | None, code: str, description: str) -> str:
    """One line for an error message: method, status, code and description."""
    where = f"Bitrix24 {method}" + (f" HTTP {status}" if status is not None else "")
    return f"{where}: {code or '(no code)'}: {description or '(no description)'}"


class Bitrix24Error(ExchangerError):
    """Root of the Bitrix24 tree; ``method``/``status``/``code``/``description`` when known."""

    method: str = ""
    status: int | None = None
    code: str = ""
    description: str = ""

    def _remember(self, method: str, status: int | None, code: str, description: str) -> None:
        self.method, self.status, self.code, self.description = method, status, code, description


class Bitrix24Transient(Bitrix24Error, RetryableError):
    """A failure that may pass: the pipeline retries later (after ``retry_after`` if given)."""

    def __init__(
        self,
        method: str,
        *,
        status: int | None = None,
        code: str = "",
        description: str = "",
        retry_after: float | None = None,
        note: str = "",
    ) -> None:
        message = describe(method, status, code, description) + (f" ({note})" if note else "")
        RetryableError.__init__(self, message, retry_after=retry_after)
        self._remember(method, status, code, description)


class Bitrix24Unavailable(Bitrix24Transient):
    """Network error, timeout or 5xx. ``outcome_unknown``: a create/transition may have happened."""

    outcome_unknown: bool = False


class Bitrix24RateLimited(Bitrix24Transient):
    """503 QUERY_LIMIT_EXCEEDED: the portal's leaky bucket is full."""


class Bitrix24OperationLimit(Bitrix24Transient):
    """429 OPERATION_TIME_LIMIT: this method is paused until ``operating_reset_at``.

    A wait on the portal's limit, not a failure: the task waits for the reset and keeps its
    retries (a storm of 429s longer than the retry budget would otherwise end in incidents).
    """

    spends_attempt = False


class Bitrix24Rejected(Bitrix24Error, PermanentError):
    """The portal refused the call; repeating it unchanged will not help."""

    def __init__(
        self, method: str, *, status: int | None = None, code: str = "", description: str = ""
    ) -> None:
        PermanentError.__init__(
            self, describe(method, status, code, description), details=description or None
        )
        self._remember(method, status, code, description)


class Bitrix24AuthError(Bitrix24Rejected):
    """401/403: wrong or expired webhook, missing scope or permission."""


class Bitrix24Blocked(Bitrix24Rejected):
    """503 OVERLOAD_LIMIT: the webhook is blocked by hand; retrying makes it worse."""


class Bitrix24NotFound(Bitrix24Rejected):
    """The record does not exist (CRM answers 400 with description "Not found")."""


class Bitrix24ProtocolError(Bitrix24Rejected):
    """The answer is not the JSON the API documents (HTML from a proxy, wrong shape…)."""


def error_for(method: str, status: int | None, code: str, description: str) -> Bitrix24Error:
    """The exception for one error answer (``status`` is None for a command inside a batch)."""
    return _error_class(status, code.upper(), description)(
        method, status=status, code=code, description=description
    )


def _error_class(
    status: int | None, code: str, description: str
) -> type[Bitrix24Transient | Bitrix24Rejected]:
    if code == "QUERY_LIMIT_EXCEEDED":
        return Bitrix24RateLimited
    if code == "OPERATION_TIME_LIMIT" or status == 429:
        return Bitrix24OperationLimit
    if code in ("OVERLOAD_LIMIT", "PORTAL_DELETED"):
        return Bitrix24Blocked
    if status in (401, 403) or code in AUTH_CODES:
        return Bitrix24AuthError
    if code in ("INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER") or (status or 0) >= 500:
        return Bitrix24Unavailable
    if description.strip().lower() == "not found":
        return Bitrix24NotFound
    return Bitrix24Rejected
