"""Faults switched on through the control API, applied to the next API requests.

JSON ``{"kind": ..., "count": N, "endpoint": "clean/phone"}``; ``count`` null = until cleared,
``endpoint`` null = any (``clean`` = every cleaner type, ``party`` = findById/party):
- ``server_error``: answer ``status`` (500);
- ``slow``: wait ``delay_s`` before answering normally;
- ``rate_limited``: 429 (a storm: give a count), with ``Retry-After`` when ``retry_after_s`` is set;
- ``unauthorized`` 401, ``no_funds`` 402, ``forbidden`` 403 (unknown key / unconfirmed e-mail).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = {
    "server_error": 500,
    "slow": 200,
    "rate_limited": 429,
    "unauthorized": 401,
    "no_funds": 402,
    "forbidden": 403,
}


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    endpoint: str | None = None
    status: int = 500
    delay_s: float = 0.0
    retry_after_s: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        count = spec.get("count", 1)
        status = int(spec.get("status") or KINDS[kind]) if kind == "server_error" else KINDS[kind]
        retry_after = spec.get("retry_after_s")
        return cls(
            kind,
            None if count is None else int(count),
            str(spec["endpoint"]) if spec.get("endpoint") else None,
            status,
            float(spec.get("delay_s") or 0.0),
            None if retry_after is None else float(retry_after),
        )

    def applies(self, endpoint: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.endpoint is None or self.endpoint == endpoint:
            return True
        return self.endpoint == "clean" and endpoint.startswith("clean/")


class FaultBook:
    """The faults in force, in the order they were switched on."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults if f.count is None or f.count > 0]

    def take(self, endpoint: str) -> tuple[float, Fault | None]:
        """For one request: the total delay of ``slow`` faults and the first failing fault."""
        delay, failure = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.applies(endpoint) or (failure is not None and fault.kind != "slow"):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                if fault.kind == "slow":
                    delay += fault.delay_s
                else:
                    failure = fault
            self._faults = [f for f in self._faults if f.count is None or f.count > 0]
        return delay, failure
