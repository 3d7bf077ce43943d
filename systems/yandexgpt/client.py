"""The YandexGPT REST client: ``completion``, ``completionAsync`` and ``operations/{id}``.

Calls go through the system's :class:`core.http.SystemHttp` (limits, circuit, timeout, TLS).
429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE mean nothing was generated, so they are sent again
here with backoff and jitter; once the attempts are spent the error goes up as a
``RetryableError`` and the task waits on a delay queue. A transport failure or another 5xx on
a generation is not repeated here: the generation may have run (and been billed).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from core.http import SystemHttp, retry_after_s
from systems.yandexgpt.answers import Generation, Operation, generation_of, operation_of
from systems.yandexgpt.errors import YandexGptProtocolError, error_for
from systems.yandexgpt.settings import ClientRetry

RETRIED_STATUSES = (429, 503)


@dataclass(frozen=True)
class Credentials:
    """``Api-Key <key>`` or ``Bearer <IAM token>``; the folder goes in ``x-folder-id``."""

    folder_id: str
    api_key: str | None = None
    iam_token: str | None = None

    def headers(self) -> dict[str, str]:
        auth = f"Api-Key {self.api_key}" if self.api_key else f"Bearer {self.iam_token}"
        return {"Authorization": auth, "x-folder-id": self.folder_id}

    def __repr__(self) -> str:  # never the key
        return f"Credentials(folder_id={self.folder_id!r}, auth={'api-key' if self.api_key else 'iam'})"


class YandexGptClient:
    def __init__(
        self,
        http: SystemHttp,
        credentials: Credentials,
        *,
        llm_url: str = "https://llm.api.cloud.yandex.net",
        operations_url: str = "https://operation.api.cloud.yandex.net",
        retry: ClientRetry | None = None,
        data_logging: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.llm_url = llm_url.rstrip("/")
        self.operations_url = operations_url.rstrip("/")
        self.retry = retry or ClientRetry()
        self._data_logging = data_logging
        self._sleep = sleep
        self._rng = rng or random.Random()

    def completion(self, body: Mapping[str, Any], request_id: str | None = None) -> Generation:
        """A synchronous generation (the body's ``result`` is unwrapped)."""
        url = f"{self.llm_url}/foundationModels/v1/completion"
        return generation_of(self._call("POST", url, "completion", body, request_id), "completion")

    def completion_async(self, body: Mapping[str, Any], request_id: str | None = None) -> str:
        """Start an async generation; returns its operation id."""
        url = f"{self.llm_url}/foundationModels/v1/completionAsync"
        return operation_of(
            self._call("POST", url, "completionAsync", body, request_id), "completionAsync"
        ).id

    def operation(self, operation_id: str) -> Operation:
        """The operation's state; done ones carry the generation or the error."""
        url = f"{self.operations_url}/operations/{operation_id}"
        return operation_of(self._call("GET", url, "operations.get", None, None), "operations.get")

    def cancel(self, operation_id: str) -> None:
        """Best effort: the API may finish the generation anyway."""
        self._call("POST", f"{self.operations_url}/operations/{operation_id}:cancel", "operations.cancel")

    def _call(
        self,
        method: str,
        url: str,
        what: str,
        body: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> Any:
        headers = self._headers(request_id)
        for attempt in range(1, self.retry.attempts + 1):
            response = self.http.request(method, url, json=body, headers=headers)
            if response.status_code < 400:
                return _json(response, what)
            error = error_for(what, response.status_code, _json_or_none(response))
            if response.status_code not in RETRIED_STATUSES or attempt == self.retry.attempts:
                raise error
            self._back_off(attempt, response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _headers(self, request_id: str | None) -> dict[str, str]:
        headers = self.credentials.headers()
        if request_id:
            headers["x-client-request-id"] = request_id  # for tracing with support, not idempotency
        if self._data_logging:
            headers["x-data-logging-enabled"] = "true"
        return headers

    def _back_off(self, attempt: int, response: requests.Response) -> None:
        """Exponential backoff with equal jitter; a longer Retry-After wins up to the cap."""
        cap = min(self.retry.max_delay_s, self.retry.base_delay_s * self.retry.multiplier ** (attempt - 1))
        delay = cap / 2 + self._rng.uniform(0, cap / 2)
        hint = retry_after_s(response.headers)
        if hint is not None:
            delay = max(delay, min(hint, self.retry.max_delay_s))
        self._sleep(delay)


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise YandexGptProtocolError(f"YandexGPT {what}: HTTP {response.status_code} without JSON") from None


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
