"""Faults switched on through the control API, applied to the next API requests.

JSON ``{"kind": ..., "count": N, "endpoint": "fullstats", "account": "main"}``; ``count`` null
= until cleared, ``endpoint`` (count, adverts, fullstats, orders, sales) and ``account`` null
= any. Kinds:
- ``rate_limited``: 429 "too many requests" with ``X-Ratelimit-Retry`` = ``retry_after_s``
  (default 1 s of real time, divided by the time scale); no token is spent;
- ``server_error``: ``status`` (500; 502, 503, 504 also fine) with WB's error body;
- ``dropped``: the connection is closed without an answer;
- ``unauthorized``: 401 "token problem" as for an unknown token;
- ``slow``: wait ``delay_s`` before answering normally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.sandbox.common.faults import CountedFault, FaultBook, count_of, kind_of
from tools.sandbox.common.values import optional_float

__all__ = ["ENDPOINTS", "KINDS", "Fault", "FaultBook"]

KINDS = ("rate_limited", "server_error", "dropped", "unauthorized", "slow")
ENDPOINTS = ("count", "adverts", "fullstats", "orders", "sales")


@dataclass
class Fault(CountedFault):
    endpoint: str | None = None
    account: str | None = None
    status: int = 500
    delay_s: float = 0.0
    retry_after_s: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = kind_of(spec, KINDS)
        endpoint = spec.get("endpoint")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)}")
        status = int(spec.get("status") or 500)
        if kind == "server_error" and not 500 <= status <= 599:
            raise ValueError("status of a server_error must be 5xx")
        return cls(
            kind,
            count_of(spec),
            endpoint,
            str(spec["account"]) if spec.get("account") else None,
            status,
            float(spec.get("delay_s") or 0.0),
            optional_float(spec.get("retry_after_s")),
        )

    def hits(self, target: str) -> bool:
        """``target`` is ``<account>/<endpoint>``."""
        account, _, endpoint = target.partition("/")
        return self.endpoint in (None, endpoint) and self.account in (None, account)
