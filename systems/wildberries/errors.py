"""The Wildberries exception tree, and the one mapping from an error answer to it.

    WildberriesError (ExchangerError)
    ├── WildberriesTransient (+RetryableError)   5xx; 429s beyond the task's wait budget
    └── WildberriesRejected (+PermanentError)    sending it again gives the same answer
        ├── WildberriesAuthError                  401 / 403: the token or its category
        └── WildberriesProtocolError              an answer that is not the API's JSON

Messages carry the API's own words (``detail`` of the advert API, ``errors`` of the
statistics API) and, for 401/403, the token category the method needs and the variable that
holds the token; never the token itself (every message also goes through ``core.redact``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ExchangerError, PermanentError, RetryableError
from core.redact import redact

ADVERT = "Продвижение"
STATISTICS = "Статистика"


class WildberriesError(ExchangerError):
    """Root of the tree; ``status`` is the HTTP status when there was one."""

    status: int | None = None


class WildberriesTransient(WildberriesError, RetryableError):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        RetryableError.__init__(self, message, retry_after=retry_after)
        self.status = status


class WildberriesRejected(WildberriesError, PermanentError):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        PermanentError.__init__(self, message)
        self.status = status


class WildberriesAuthError(WildberriesRejected):
    """401/403: the token is missing, wrong, expired, or lacks the method's category."""


class WildberriesProtocolError(WildberriesRejected):
    """A successful status whose body is not what the API documents."""


def api_text(payload: Any) -> str:
    """The API's own words: ``detail`` (advert, gateway), ``errors`` (statistics), or ``title``."""
    if not isinstance(payload, Mapping):
        return ""
    errors = payload.get("errors")
    if isinstance(errors, list):
        return "; ".join(str(item) for item in errors)
    for key in ("errors", "detail", "error", "message", "title"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def error_for(
    status: int, payload: Any, *, what: str, account: str, category: str, token_env: str
) -> WildberriesError:
    """The exception for one error answer other than 429 (the client waits those out)."""
    text = redact(api_text(payload))
    label = f"Wildberries {what} (account {account}) answered HTTP {status}" + (f": {text}" if text else "")
    if status >= 500:
        return WildberriesTransient(label, status=status)
    if status in (401, 403):
        hint = (
            f"; the method needs a token of category {category}: check the token in {token_env} "
            "(expired, revoked, or created without that category)"
        )
        return WildberriesAuthError(label + hint, status=status)
    return WildberriesRejected(label, status=status)
