"""HTTP to StormBPMN through the rate limiter: retries, 429 handling, errors without secrets."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from loguru import logger

from camunda_sync.config.models import StormSettings
from camunda_sync.errors import (
    StormAuthError,
    StormError,
    StormNotFound,
    StormRateLimited,
    StormResponseError,
    StormUnavailable,
)
from camunda_sync.storm.limiter import RateLimiter
from core.redact import redact

RETRY_AFTER_HEADER = "X-Rate-Limit-Retry-After-Seconds"


class StormHttp:
    """GET requests to one StormBPMN API root with its auth headers."""

    def __init__(
        self,
        root: str,
        auth_headers: Mapping[str, str],
        settings: StormSettings,
        *,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.root = root.rstrip("/")
        self._headers = {"Accept": "application/json", **auth_headers}
        self._settings = settings
        self._session = session or requests.Session()
        self._limiter = limiter or RateLimiter(settings.rate_limit.requests, settings.rate_limit.window_s)
        self._sleep = sleep

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        failures = waits = 0
        while True:
            try:
                with self._limiter.slot():
                    response = self._send(path, params)
            except (requests.ConnectionError, requests.Timeout) as err:
                failures = self._retry_or_raise(failures, path, f"{type(err).__name__}")
                continue
            status = response.status_code
            if status == 429:
                waits = self._wait_after_429(response, waits, path)
            elif status >= 500:
                failures = self._retry_or_raise(failures, path, f"HTTP {status}: {_server_message(response)}")
            else:
                return _json_or_raise(response, path)

    def _send(self, path: str, params: Mapping[str, Any] | None) -> requests.Response:
        started = time.monotonic()
        response = self._session.get(
            self.root + path,
            params=params,
            headers=self._headers,
            timeout=self._settings.timeout_s,
            verify=self._settings.ca_bundle or True,
        )
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug(
            "StormBPMN GET {} {} -> {} in {:.0f} ms",
            path,
            dict(params or {}),
            response.status_code,
            elapsed_ms,
        )
        return response

    def _retry_or_raise(self, failures: int, path: str, reason: str) -> int:
        if failures >= self._settings.max_retries:
            raise StormUnavailable(f"StormBPMN {path} failed {failures + 1} time(s), last: {reason}")
        delay = 2.0**failures
        logger.warning("StormBPMN {}: {}; retrying in {:.0f} s", path, reason, delay)
        self._sleep(delay)
        return failures + 1

    def _wait_after_429(self, response: requests.Response, waits: int, path: str) -> int:
        retry_after = _retry_after(response, self._settings.rate_limit.window_s)
        self._limiter.block_for(retry_after)
        if waits >= self._settings.max_429_waits:
            raise StormRateLimited(
                f"StormBPMN {path}: rate limit exceeded again (429); stopping so the account is not blocked",
                retry_after_s=retry_after,
            )
        logger.warning("StormBPMN {}: 429, waiting {:.0f} s as told", path, retry_after)
        return waits + 1


def _retry_after(response: requests.Response, default: float) -> float:
    for header in (RETRY_AFTER_HEADER, "Retry-After"):
        value = response.headers.get(header)
        try:
            return max(float(value), 0.0) if value is not None else default
        except ValueError:
            continue
    return default


def _json_or_raise(response: requests.Response, path: str) -> Any:
    status = response.status_code
    if status in (401, 403):
        raise StormAuthError(
            f"StormBPMN refused the credentials for {path} (HTTP {status}): {_server_message(response)}; "
            "check STORMBPMN_API_KEY (or STORMBPMN_TOKEN for the internal API)",
            status=status,
        )
    if status == 404:
        raise StormNotFound(
            f"StormBPMN {path}: not found (HTTP 404): {_server_message(response)}", status=404
        )
    if status >= 400:
        raise StormResponseError(
            f"StormBPMN {path}: HTTP {status}: {_server_message(response)}", status=status
        )
    try:
        return response.json()
    except ValueError:
        raise StormResponseError(f"StormBPMN {path}: the answer is not JSON", status=status) from None


def _server_message(response: requests.Response) -> str:
    """The Spring Boot error body's message (``{timestamp,status,error,message,path}``), redacted."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text = str(body.get("message") or body.get("error") or "") if isinstance(body, dict) else response.text
    return redact(text.strip()[:300]) or response.reason or "no details"


__all__ = ["RETRY_AFTER_HEADER", "StormError", "StormHttp"]
