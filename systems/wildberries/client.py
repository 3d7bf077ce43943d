"""A typed client of one seller account: one method per remote call, on the shared ``core.http`` path.

- ``promotion_count()``: ``GET {advert}/adv/v1/promotion/count``: every campaign with its type,
  status and change time (flattened from WB's groups);
- ``adverts(ids, statuses, payment_type)``: ``GET {advert}/api/advert/v2/adverts`` (≤ 50 ids);
- ``fullstats(ids, begin, end)``: ``GET {advert}/adv/v3/fullstats`` (≤ 50 ids, ≤ 31 days);
- ``orders(date_from)`` / ``sales(date_from)``: ``GET {statistics}/api/v1/supplier/orders|sales``.

Every call first takes a slot of its (account, method group) bucket, and a 429 is waited out
here for ``X-Ratelimit-Retry`` seconds (fractional allowed): both through the task's
:class:`Waiter`, which keeps the engine lock alive and spends no retry. 5xx and lost
connections raise a ``RetryableError``; other 4xx a ``PermanentError`` with the API's words.
The token goes in ``Authorization`` as is, as WB's spec says.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests
from loguru import logger

from core.http import SystemHttp, retry_after_s
from core.http.retry_after import parse_retry_after
from systems.wildberries.errors import (
    ADVERT,
    STATISTICS,
    WildberriesProtocolError,
    WildberriesTransient,
    error_for,
)
from systems.wildberries.pacing import Pacer, Waiter

JsonMap = dict[str, Any]
RETRY_HEADER = "X-Ratelimit-Retry"


@dataclass(frozen=True)
class Account:
    """A seller account as the client needs it; ``repr`` never shows the token."""

    name: str
    token: str
    token_env: str

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, token_env={self.token_env!r})"


@dataclass(frozen=True)
class Call:
    """One remote method: where it goes, its bucket, and the token category it needs."""

    what: str
    path: str
    group: str
    category: str


COUNT = Call("promotion/count", "/adv/v1/promotion/count", "campaigns", ADVERT)
ADVERTS = Call("adverts", "/api/advert/v2/adverts", "campaigns", ADVERT)
FULLSTATS = Call("fullstats", "/adv/v3/fullstats", "fullstats", ADVERT)
ORDERS = Call("orders", "/api/v1/supplier/orders", "orders", STATISTICS)
SALES = Call("sales", "/api/v1/supplier/sales", "sales", STATISTICS)


def ratelimit_retry_s(headers: Mapping[str, str]) -> float | None:
    """``X-Ratelimit-Retry`` in seconds (a float when a sandbox scales time), else any Retry-After."""
    for name, value in headers.items():
        if name.lower() == RETRY_HEADER.lower():
            seconds = parse_retry_after(value)
            if seconds is not None:
                return seconds
    return retry_after_s(headers)


class WildberriesClient:
    def __init__(
        self,
        http: SystemHttp,
        account: Account,
        pacer: Pacer,
        *,
        advert_url: str = "https://advert-api.wildberries.ru",
        statistics_url: str = "https://statistics-api.wildberries.ru",
    ) -> None:
        self.http = http
        self.account = account
        self.pacer = pacer
        self.advert_url = advert_url.rstrip("/")
        self.statistics_url = statistics_url.rstrip("/")

    def __repr__(self) -> str:
        return f"WildberriesClient(account={self.account.name!r}, advert={self.advert_url!r})"

    def promotion_count(self, waiter: Waiter) -> list[JsonMap]:
        """Every campaign as ``{advertId, type, status, changeTime}``."""
        body = self._get(COUNT, {}, waiter)
        groups = body.get("adverts") if isinstance(body, dict) else None
        if groups is None and isinstance(body, dict):
            return []  # WB sends "adverts": null for a seller without campaigns
        if not isinstance(groups, list):
            raise WildberriesProtocolError("Wildberries promotion/count: the answer holds no adverts list")
        return [
            {**dict(item), "type": group.get("type"), "status": group.get("status")}
            for group in groups
            if isinstance(group, dict)
            for item in group.get("advert_list") or []
            if isinstance(item, dict)
        ]

    def adverts(
        self,
        ids: Sequence[int],
        waiter: Waiter,
        *,
        statuses: Sequence[int] = (),
        payment_type: str | None = None,
    ) -> list[JsonMap]:
        """The campaigns' details (``id``, ``settings``, ``status``, ``timestamps``…)."""
        params = {"ids": _joined(ids)}
        if statuses:
            params["statuses"] = _joined(statuses)
        if payment_type:
            params["payment_type"] = payment_type
        body = self._get(ADVERTS, params, waiter)
        found = body.get("adverts") if isinstance(body, dict) else None
        if found is None and isinstance(body, dict):
            return []
        return _maps(found, "adverts")

    def fullstats(self, ids: Sequence[int], begin: date, end: date, waiter: Waiter) -> list[JsonMap]:
        """One element per campaign that has stats in the period (``days`` inside)."""
        params = {"ids": _joined(ids), "beginDate": begin.isoformat(), "endDate": end.isoformat()}
        body = self._get(FULLSTATS, params, waiter)
        return [] if body is None else _maps(body, "fullstats")

    def orders(self, date_from: str, waiter: Waiter) -> list[JsonMap]:
        """Orders changed at or after ``date_from`` (Moscow time), oldest change first."""
        return _maps(self._get(ORDERS, {"dateFrom": date_from, "flag": "0"}, waiter), "orders")

    def sales(self, date_from: str, waiter: Waiter) -> list[JsonMap]:
        """Sales and returns changed at or after ``date_from`` (Moscow time), oldest change first."""
        return _maps(self._get(SALES, {"dateFrom": date_from, "flag": "0"}, waiter), "sales")

    # --- transport -------------------------------------------------------------------------

    def _get(self, call: Call, params: Mapping[str, str], waiter: Waiter) -> Any:
        base = self.statistics_url if call.category == STATISTICS else self.advert_url
        name = self.account.name
        self.pacer.pace(name, call.group, waiter)
        for _ in range(self.pacer.pacing.max_rate_limited):
            response = self._send(f"{base}{call.path}", params, call.what)
            if response.status_code != 429:
                return self._answer(response, call)
            # WB says when the next token is there; the send after that wait is the slot this call
            # already took, so it goes out without pacing again. The full bucket slows other tasks.
            wait = ratelimit_retry_s(response.headers)
            self.pacer.refused(name, call.group)
            waiter.wait(self.pacer.interval_s(call.group) if wait is None else wait, f"{call.what} 429")
        raise WildberriesTransient(
            f"Wildberries {call.what} (account {name}): HTTP 429 {self.pacer.pacing.max_rate_limited} "
            "times in a row; the task waits on the delay queue",
            status=429,
        )

    def _send(self, url: str, params: Mapping[str, str], what: str) -> requests.Response:
        started = time.monotonic()
        headers = {"Authorization": self.account.token, "Accept": "application/json"}
        response = self.http.request("GET", url, params=dict(params), headers=headers)
        logger.debug(
            "wildberries {} account={} HTTP {} {:.0f} ms",
            what,
            self.account.name,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _answer(self, response: requests.Response, call: Call) -> Any:
        if response.status_code >= 400:
            raise error_for(
                response.status_code,
                _json_or_none(response),
                what=call.what,
                account=self.account.name,
                category=call.category,
                token_env=self.account.token_env,
            )
        try:
            return response.json()
        except ValueError:
            raise WildberriesProtocolError(
                f"Wildberries {call.what}: HTTP {response.status_code} without JSON",
                status=response.status_code,
            ) from None


def _joined(values: Sequence[int]) -> str:
    return ",".join(str(value) for value in values)


def _maps(value: Any, what: str) -> list[JsonMap]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise WildberriesProtocolError(f"Wildberries {what}: the answer is not a list of objects")
    return [dict(item) for item in value]


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
