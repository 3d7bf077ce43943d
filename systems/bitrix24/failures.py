"""HTTP answers and network errors as Bitrix24 errors (``errors.py`` draws the tree).

Messages never quote the webhook code: every text passes through ``scrub``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from systems.bitrix24.errors import (
    Bitrix24Error,
    Bitrix24ProtocolError,
    Bitrix24Rejected,
    Bitrix24Transient,
    Bitrix24Unavailable,
    error_for,
)

Scrub = Callable[[str], str]


def surely_unsent(exc: requests.RequestException) -> bool:
    """True when the request never reached the portal (connect failed), so repeating is safe."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def retry_after_header(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def network_error(method: str, exc: requests.RequestException, scrub: Scrub) -> Bitrix24Error:
    """The error for a request that got no answer (TLS failures are never retried)."""
    text = scrub(str(exc))
    if isinstance(exc, requests.exceptions.SSLError):
        return Bitrix24Rejected(method, code="SSLError", description=text)
    error = Bitrix24Unavailable(method, code=type(exc).__name__, description=text)
    error.outcome_unknown = not surely_unsent(exc)
    return error


def http_error(method: str, response: requests.Response, payload: Any, scrub: Scrub) -> Bitrix24Error:
    """The error for an answer that is not a success (``payload``: its JSON, or None)."""
    status = response.status_code
    if isinstance(payload, dict) and ("error" in payload or status >= 300):
        code, text = (
            str(payload.get("error", "")),
            scrub(str(payload.get("error_description", ""))),
        )
    elif 200 <= status < 300:
        return Bitrix24ProtocolError(method, status=status, description="not a Bitrix24 JSON answer")
    else:
        code, text = "", f"non-JSON answer ({response.reason or 'no reason'})"
    error = error_for(method, status, code, text)
    if isinstance(error, Bitrix24Transient):
        error.retry_after = retry_after_header(response)
    return error


def exhausted(last: Bitrix24Transient, attempts: int) -> Bitrix24Transient:
    """A copy of the last error, noting that the retries ran out."""
    error = type(last)(
        last.method,
        status=last.status,
        code=last.code,
        description=last.description,
        retry_after=last.retry_after,
        note=f"gave up after {attempts} attempts",
    )
    if isinstance(last, Bitrix24Unavailable) and isinstance(error, Bitrix24Unavailable):
        error.outcome_unknown = last.outcome_unknown
    return error
