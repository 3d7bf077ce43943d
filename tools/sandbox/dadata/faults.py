"""Faults switched on through the control API, applied to the next API requests.

JSON ``{"kind": ..., "count": N, "endpoint": "clean/phone"}``; ``count`` null = until cleared,
``endpoint`` null = any (``clean`` = every cleaner type, ``party`` = findById/party):
- ``server_error``: answer ``status`` (500);
- ``slow``: wait ``delay_s`` before answering normally;
- ``rate_limited``: 429 (a storm: give a count), with ``Retry-After`` when ``retry_after_s`` is set;
- ``unauthorized`` 401, ``no_funds`` 402, ``forbidden`` 403 (unknown key / unconfirmed e-mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.sandbox.common.faults import CountedFault, FaultBook, count_of, kind_of
from tools.sandbox.common.values import optional_float

__all__ = ["KINDS", "Fault", "FaultBook"]

KINDS = {
    "server_error": 500,
    "slow": 200,
    "rate_limited": 429,
    "unauthorized": 401,
    "no_funds": 402,
    "forbidden": 403,
}


@dataclass
class Fault(CountedFault):
    endpoint: str | None = None
    status: int = 500
    delay_s: float = 0.0
    retry_after_s: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = kind_of(spec, KINDS)
        count = count_of(spec)
        status = int(spec.get("status") or KINDS[kind]) if kind == "server_error" else KINDS[kind]
        return cls(
            kind,
            count,
            str(spec["endpoint"]) if spec.get("endpoint") else None,
            status,
            float(spec.get("delay_s") or 0.0),
            optional_float(spec.get("retry_after_s")),
        )

    def hits(self, target: str) -> bool:
        """Its endpoint, or every cleaner type for ``clean``."""
        if self.endpoint is None or self.endpoint == target:
            return True
        return self.endpoint == "clean" and target.startswith("clean/")
