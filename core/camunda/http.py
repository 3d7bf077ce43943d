"""The one request path of the engine clients: a libcurl pool, JSON and multipart bodies, typed errors.

The engine's HTTP was most of the tracker's CPU: requests, then urllib3, then libcurl
(core/camunda/curl.py), each measured per call in docs/performance.md."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.fields import RequestField

from core.camunda.connection import auth_headers
from core.camunda.response import EngineResponse
from core.camunda.settings import CamundaSettings
from core.errors import (
    CamundaConflict,
    CamundaNotFound,
    CamundaRequestError,
    CamundaUnavailable,
)

# A multipart form as urllib3 encodes it: ("field", "text") for a form field,
# ("field", (filename, data, content_type)) for a file part.
MultipartFields = Sequence[tuple[str, str | tuple[str, bytes, str]] | RequestField]


class EngineHttp:
    """Sends requests to ``settings.root`` over one keep-alive pool; timeouts, TLS, typed errors."""

    def __init__(self, settings: CamundaSettings) -> None:
        # Imported here: libcurl with its own OpenSSL adds about 7 MB to a process, and the
        # creator imports this package but never calls the engine.
        from core.camunda.curl import CurlPool

        self.settings = settings
        self._pool = CurlPool(settings)
        self._headers = auth_headers(settings)

    def close(self) -> None:
        self._pool.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: MultipartFields | None = None,
        read_timeout: float | None = None,
        task_command: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> EngineResponse:
        """One call; ``read_timeout`` overrides the settings' (long polls), ``headers`` add or replace."""
        body, request_headers = self._body(json, files, headers)
        url = self.settings.root + path + (_query(params) if params else "")
        # No retries of ours and no redirects: the caller decides whether a task command is sent
        # again, and the engine API never redirects (following one would send the body and
        # credentials to wherever the Location points). libcurl itself sends a request once more
        # only when a kept-alive connection proves closed before any byte of the answer came; a
        # complete the engine had applied then meets a 404, which the tracker resolves through
        # the task's history (task_tracker.gone), so nothing is settled twice. The read timeout
        # bounds the whole exchange, the connect timeout the part before a connection stands.
        timeout_s = read_timeout or self.settings.read_timeout_s
        connect_s = min(self.settings.connect_timeout_s, timeout_s)
        response = self._pool.send(method, url, body, request_headers, timeout_s, connect_s)
        raise_for_engine_error(response, task_command=task_command)
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def _body(
        self, json: Any, files: MultipartFields | None, headers: Mapping[str, str] | None
    ) -> tuple[bytes | None, Mapping[str, str]]:
        merged: Mapping[str, str] = self._headers
        body: bytes | None = None
        if files is not None:
            body, content_type = urllib3.encode_multipart_formdata(files)
            merged = {**merged, "Content-Type": content_type}
        elif json is not None:
            body = jsonlib.dumps(json, separators=(",", ":"), allow_nan=False).encode()
            merged = {**merged, "Content-Type": "application/json"}
        if headers:
            merged = urllib3.HTTPHeaderDict(merged)  # replaces case-insensitively
            merged.update(headers)
        return body, merged


def _query(params: Mapping[str, Any]) -> str:
    """``?a=1&b=x`` with None values left out and lists repeated, as requests encoded them."""
    present = {name: value for name, value in params.items() if value is not None}
    return "?" + urlencode(present, doseq=True) if present else ""


# Statuses that mean "the engine is not serving right now", not "your request is wrong".
UNAVAILABLE_STATUSES = {502, 503, 504}


def raise_for_engine_error(response: EngineResponse, *, task_command: bool = False) -> None:
    """Turn an error status into the kernel's typed Camunda errors.

    ``task_command`` marks complete/failure/bpmnError/extendLock/lock, where 400 means the
    task is locked by another worker or its lock has expired. A redirect is an error too:
    none is followed, and its body is not the answer the caller asked for.
    """
    status = response.status
    if status < 300:
        return
    if status < 400:
        raise CamundaRequestError(
            status, "Redirect", f"engine answered HTTP {status}: base_url must be its final address"
        )
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


def _error_body(response: EngineResponse) -> tuple[str, str, Mapping[str, Any] | None]:
    try:
        body = response.json()
    except ValueError:
        return "HttpError", response.text[:500] or response.reason, None
    if not isinstance(body, dict):
        return "HttpError", str(body)[:500], None
    details = body.get("details") if isinstance(body.get("details"), dict) else None
    return str(body.get("type") or "HttpError"), str(body.get("message") or ""), details
