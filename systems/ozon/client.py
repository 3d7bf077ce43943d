"""A typed Ozon Seller API client: one method per remote call, on the shared ``core.http`` path.

- ``product_list``: ``POST /v3/product/list`` ``{"filter": {"visibility"}, "last_id", "limit"}``
  → :class:`ProductPage` (``result.items``, ``result.total``, ``result.last_id``);
- ``fbs_postings``: ``POST /v3/posting/fbs/list`` ``{"dir": "ASC", "filter": {"since", "to",
  "status"?}, "limit", "offset", "with": {...}}`` → :class:`PostingPage` (``result.postings``,
  ``result.has_next``).

Every call sends ``Client-Id`` and ``Api-Key``. One request per call: a 429 raises
:class:`OzonRateLimited` for the action to wait out (``patience.py``), 5xx and transport
failures raise retryable errors, other 4xx permanent ones (``errors.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from core.http import SystemHttp, retry_after_s
from systems.ozon.errors import OzonProtocolError, error_for

PRODUCT_LIST = "/v3/product/list"
FBS_POSTING_LIST = "/v3/posting/fbs/list"


@dataclass(frozen=True)
class Credentials:
    """One account's headers; ``key_names`` says where they came from (for error messages)."""

    account: str
    client_id: str
    api_key: str
    key_names: str

    def headers(self) -> dict[str, str]:
        return {"Client-Id": self.client_id, "Api-Key": self.api_key}

    def __repr__(self) -> str:  # never the key
        return f"Credentials(account={self.account!r}, client_id={self.client_id!r})"


@dataclass(frozen=True)
class ProductPage:
    items: list[dict[str, Any]]
    total: int
    last_id: str


@dataclass(frozen=True)
class PostingPage:
    postings: list[dict[str, Any]]
    has_next: bool


class OzonClient:
    """Thread-safe if the session is; the key never leaves the headers."""

    def __init__(self, http: SystemHttp, credentials: Credentials, *, base_url: str) -> None:
        self.http = http
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"OzonClient({self.base_url!r}, {self.credentials!r})"

    def product_list(self, *, last_id: str, limit: int, visibility: str = "ALL") -> ProductPage:
        body = {"filter": {"visibility": visibility}, "last_id": last_id, "limit": limit}
        result = self._result(PRODUCT_LIST, body)
        items = _objects(result.get("items"), PRODUCT_LIST, "items")
        return ProductPage(items, _number(result.get("total")), str(result.get("last_id") or ""))

    def fbs_postings(
        self,
        *,
        since: datetime,
        to: datetime,
        offset: int,
        limit: int,
        status: str | None = None,
    ) -> PostingPage:
        period: dict[str, Any] = {"since": rfc3339(since), "to": rfc3339(to)}
        if status:
            period["status"] = status
        body = {
            "dir": "ASC",
            "filter": period,
            "limit": limit,
            "offset": offset,
            "with": {"analytics_data": False, "financial_data": False, "barcodes": False},
        }
        result = self._result(FBS_POSTING_LIST, body)
        postings = _objects(result.get("postings"), FBS_POSTING_LIST, "postings")
        return PostingPage(postings, bool(result.get("has_next")))

    def _result(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The ``result`` object of a successful answer; the error's exception otherwise."""
        response = self.http.request(
            "POST", self.base_url + path, json=dict(body), headers=self.credentials.headers()
        )
        payload = _json_or_none(response)
        if response.status_code >= 400:
            raise error_for(
                path,
                response.status_code,
                payload,
                key_names=self.credentials.key_names,
                retry_after=retry_after_s(response.headers),
            )
        result = payload.get("result") if isinstance(payload, dict) else None
        if not isinstance(result, dict):
            raise OzonProtocolError(f"Ozon {path}: HTTP {response.status_code} without a result object")
        return result


def rfc3339(moment: datetime) -> str:
    """UTC with a ``Z``, to the second, as Ozon's examples write it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _objects(value: Any, path: str, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []  # protobuf JSON leaves out empty lists
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise OzonProtocolError(f"Ozon {path}: result.{name} is not a list of objects")
    return value


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
