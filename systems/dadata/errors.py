"""The DaData error tree, and the one mapping from an HTTP answer to it.

    PermanentError (core.errors)              an incident: retrying will not help
    └── DaDataError
        ├── DaDataAuthError                   401 / 402 / 403: the message says what to fix
        ├── DaDataRejected                    400, 405, 413 and other 4xx: fails at once
        └── DaDataProtocolError               a 200 whose body is not what the API sends
    RetryableError (core.errors)              429 and 5xx (core.http), lost connections

Messages name the HTTP status and what to do, never a value that was sent (personal data)
and never the key.
"""

from __future__ import annotations

from core.errors import PermanentError

# What an operator must fix, per status (DaData documents the status, not the body).
AUTH_HINTS = {
    401: "the API key or the secret is missing or malformed: check the environment variables {names}",
    402: "the DaData account has run out of money: top up the balance in the DaData profile",
    403: "DaData does not know the API key, the account's e-mail is not confirmed, or the daily "
    "limit is used up: check the key in {names}, confirm the e-mail in the DaData profile",
}
REJECTED_HINTS = {
    400: "the request is malformed (bad JSON or an unsupported type)",
    405: "the method is not allowed (DaData takes POST only)",
    413: "the request is too long or holds too many records",
}


class DaDataError(PermanentError):
    """Root of DaData's own errors; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DaDataAuthError(DaDataError):
    """The key, the balance or the account needs an operator."""


class DaDataRejected(DaDataError):
    """DaData refused the request itself; sending it again gives the same answer."""


class DaDataProtocolError(DaDataError):
    """A successful status with a body that does not follow the API."""


def refusal(status: int, what: str, key_names: str) -> DaDataError:
    """The permanent error for a 4xx answer other than 429."""
    if status in AUTH_HINTS:
        hint = AUTH_HINTS[status].format(names=key_names)
        return DaDataAuthError(f"DaData {what} answered HTTP {status}: {hint}", status=status)
    hint = REJECTED_HINTS.get(status, "the request was refused")
    return DaDataRejected(f"DaData {what} answered HTTP {status}: {hint}", status=status)
