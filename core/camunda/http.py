"""HTTP plumbing shared by the engine clients: pooled session, auth, requests, error translation."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from core.camunda.settings import CamundaSettings
from core.errors import (
    CamundaConflict,
    CamundaNotFound,
    CamundaRequestError,
    CamundaUnavailable,
)


class EngineHttp:
    """The one request path of every engine client: timeouts, TLS, typed errors.

    Pass a ``session`` to share or stub the HTTP layer.
    """

    def __init__(self, settings: CamundaSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._session = session or build_session(settings)
        self._verify = request_verify(settings)

    def close(self) -> None:
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        read_timeout: float | None = None,
        task_command: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        timeout = (self.settings.connect_timeout_s, read_timeout or self.settings.read_timeout_s)
        try:
            response = self._session.request(
                method,
                self.settings.root + path,
                json=json,
                params=params,
                files=files,
                timeout=timeout,
                headers=headers,
                # Per request: a session given from outside may still trust the environment,
                # and requests would let REQUESTS_CA_BUNDLE override the session's bundle.
                verify=self._verify,
            )
        except (requests.ConnectionError, requests.Timeout) as err:
            raise CamundaUnavailable(
                f"engine at {self.settings.root} unreachable: {type(err).__name__}"
            ) from err
        raise_for_engine_error(response, task_command=task_command)
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()


# Statuses that mean "the engine is not serving right now", not "your request is wrong".
UNAVAILABLE_STATUSES = {502, 503, 504}


def build_session(settings: CamundaSettings) -> requests.Session:
    """A keep-alive session sized for the client's concurrency, with auth and TLS settings."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=settings.pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = settings.verify
    # With trust_env on, requests re-reads the proxy variables and ~/.netrc on every request
    # (~130 µs of CPU each, a tenth of the tracker's CPU per task): read the proxies for the
    # engine once here; the CA bundle from the environment comes from request_verify().
    session.trust_env = False
    session.proxies.update(get_environ_proxies(settings.root))
    if settings.token:
        session.headers["Authorization"] = f"Bearer {settings.token}"
    elif settings.username:
        session.auth = (settings.username, settings.password or "")
    session.headers["Accept"] = "application/json"
    return session


def request_verify(settings: CamundaSettings) -> str | bool:
    """What every request verifies the engine with: the configured CA bundle, else the one the
    environment names (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, as requests reads them), else the
    default store. Verification is never off."""
    environ = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return settings.ca_bundle or environ or True


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
