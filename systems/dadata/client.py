"""A typed DaData client: one method per remote call, on the shared ``core.http`` call path.

- ``clean(kind, value)``: ``POST {cleaner}/{kind}`` with ``[value]`` (a JSON array of strings),
  ``Token`` + ``X-Secret``; the answer's element 0.
- ``find_party(query)``: ``POST {suggestions}/findById/party``, ``Token`` only; the list of
  ``suggestions`` (empty when nothing is found: DaData answers 200 with ``[]``).

429 and 5xx (and lost connections) are retried here a few times with backoff and jitter on
the same kept-alive pool: DaData refuses more than 60 *new* connections a minute, so a retry
never opens a fresh session. ``Retry-After`` is honoured; a longer wait, or retries run out,
raises ``RetryableError`` and the creator's delay queues take over. An open circuit raises
``CircuitOpenError`` at once (the task waits, no attempt spent). Other 4xx fail at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import requests
from loguru import logger

from core.errors import RetryableError
from core.http import SystemHttp
from systems.dadata.errors import DaDataAuthError, DaDataProtocolError, refusal
from systems.dadata.settings import CleanKind, ClientRetry

JsonMap = dict[str, Any]


class DaDataClient:
    """Thread-safe if the session is; the key and the secret never leave the headers."""

    def __init__(
        self,
        http: SystemHttp,
        token: str,
        secret: str | None,
        *,
        cleaner_url: str,
        suggestions_url: str,
        retry: ClientRetry | None = None,
        key_names: str = "DADATA_API_KEY / DADATA_SECRET_KEY",
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self._token = token
        self._secret = secret
        self.cleaner_url = cleaner_url.rstrip("/")
        self.suggestions_url = suggestions_url.rstrip("/")
        self.retry = retry or ClientRetry()
        self._key_names = key_names
        self._sleep = sleep
        self._rng = rng or random.Random()

    def __repr__(self) -> str:
        return f"DaDataClient(cleaner={self.cleaner_url!r}, suggestions={self.suggestions_url!r})"

    def clean(self, kind: CleanKind, value: str) -> JsonMap:
        """The cleaned record of one value (``qc`` and the kind's fields)."""
        if not self._secret:  # DaData would answer 401; say which variable is empty instead
            raise DaDataAuthError(f"DaData clean/{kind} needs the secret key: set {self._key_names}")
        headers = self._headers(secret=True)
        answer = self._post(f"{self.cleaner_url}/{kind}", [value], headers, f"clean/{kind}")
        if not isinstance(answer, list) or len(answer) != 1 or not isinstance(answer[0], dict):
            raise DaDataProtocolError(f"DaData clean/{kind}: the answer is not an array of one record")
        return dict(answer[0])

    def find_party(
        self, query: str, *, branch_type: str | None = None, kpp: str | None = None
    ) -> list[JsonMap]:
        """Organisations and sole traders with this INN or OGRN (main office first when asked)."""
        body: JsonMap = {"query": query}
        if branch_type:
            body["branch_type"] = branch_type
        if kpp:
            body["kpp"] = kpp
        url = f"{self.suggestions_url}/findById/party"
        answer = self._post(url, body, self._headers(secret=False), "findById/party")
        found = answer.get("suggestions") if isinstance(answer, dict) else None
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise DaDataProtocolError("DaData findById/party: the answer holds no suggestions list")
        return [dict(item) for item in found]

    # --- transport -------------------------------------------------------------------------

    def _headers(self, *, secret: bool) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Token {self._token}",
        }
        if secret and self._secret:
            headers["X-Secret"] = self._secret
        return headers

    def _post(self, url: str, body: Any, headers: dict[str, str], what: str) -> Any:
        attempts = self.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(url, body, headers, what)
            except RetryableError as err:
                if attempt == attempts or not err.spends_attempt:
                    raise
                self._back_off(err, attempt, what)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(self, url: str, body: Any, headers: dict[str, str], what: str) -> Any:
        started = time.monotonic()
        response = self.http.request("POST", url, json=body, headers=headers)
        logger.debug(
            "dadata {} HTTP {} {:.0f} ms", what, response.status_code, (time.monotonic() - started) * 1000
        )
        self.http.raise_retryable(response, what)
        if response.status_code != 200:
            raise refusal(response.status_code, what, self._key_names)
        return _json(response, what)

    def _back_off(self, err: RetryableError, attempt: int, what: str) -> None:
        step = min(self.retry.max_delay_s, self.retry.base_delay_s * 2 ** (attempt - 1))
        delay = self._rng.uniform(step / 2, step)
        if err.retry_after is not None:
            if err.retry_after > self.retry.max_wait_s:
                raise err  # a long wait belongs in a delay queue, not on a creator thread
            delay = max(delay, err.retry_after)
        logger.info(
            "dadata {}: {}; retry {}/{} in {:.2f} s", what, err, attempt + 1, self.retry.attempts, delay
        )
        self._sleep(delay)


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise DaDataProtocolError(f"DaData {what}: the answer is not JSON") from None
