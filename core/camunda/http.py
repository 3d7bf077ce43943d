"""HTTP plumbing for the engine client: pooled session, auth, and error translation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from core.camunda.settings import CamundaSettings
from core.errors import (
    CamundaConflict,
    CamundaNotFound,
    CamundaRequestError,
    CamundaUnavailable,
)

# Statuses that mean "the engine is not serving right now", not "your request is wrong".
UNAVAILABLE_STATUSES = {502, 503, 504}


def build_session(settings: CamundaSettings) -> requests.Session:
    """A keep-alive session sized for the client's concurrency, with auth and TLS settings."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=settings.pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = settings.verify
    if settings.token:
        session.headers["Authorization"] = f"Bearer {settings.token}"
    elif settings.username:
        session.auth = (settings.username, settings.password or "")
    session.headers["Accept"] = "application/json"
    return session


def raise_for_engine_error(response: requests.Response, *, task_command: bool = False) -> None:
    """Turn an error status into the kernel's typed Camunda errors.

    ``task_command`` marks complete/failure/bpmnError/extendLock/lock, where 400 means the
    task is locked by another worker or its lock has expired.
    """
    status = response.status_code
    if status < 400:
        return
    error_type, message, details = _error_body(response)
    if status in UNAVAILABLE_STATUSES or (status == 500 and "shutdown" in message.lower()):
        raise CamundaUnavailable(f"engine unavailable: HTTP {status} {error_type}: {message}")
    if status == 404:
        raise CamundaNotFound(status, error_type, message)
    if status == 400 and task_command:
        raise CamundaConflict(status, error_type, message)
    error = CamundaRequestError(status, error_type, message)
    error.details = details
    raise error


def _error_body(response: requests.Response) -> tuple[str, str, Mapping[str, Any] | None]:
    try:
        body = response.json()
    except ValueError:
        return "HttpError", response.text[:500] or response.reason or "", None
    if not isinstance(body, dict):
        return "HttpError", str(body)[:500], None
    details = body.get("details") if isinstance(body.get("details"), dict) else None
    return str(body.get("type") or "HttpError"), str(body.get("message") or ""), details
