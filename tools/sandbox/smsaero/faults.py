"""Faults switched on through the control API, applied to the next API requests.

``{"kind": ..., "count": N, "selector": "sms/send", ...}``; ``count`` null = until cleared,
``selector`` null = any selector:
- ``server_error``: answer ``status`` (500 with a JSON body; 502/503/504 with a proxy's HTML page);
- ``rate_limit``: 429 (``retry_after_s`` adds a ``Retry-After`` header);
- ``slow``: wait ``delay_s`` before answering normally;
- ``lost_answer``: do the work (an SMS is sent), then answer 502: the caller cannot know.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("server_error", "rate_limit", "slow", "lost_answer")


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    selector: str | None = None
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
        fault = cls(kind, None if count is None else int(count), spec.get("selector"))
        fault.status = int(spec.get("status") or (429 if kind == "rate_limit" else 500))
        if kind == "lost_answer":
            fault.status = 502
        fault.delay_s = float(spec.get("delay_s") or 0.0)
        retry = spec.get("retry_after_s")
        fault.retry_after_s = None if retry is None else float(retry)
        return fault

    def applies(self, selector: str) -> bool:
        live = self.count is None or self.count > 0
        return live and (self.selector is None or self.selector == selector)


class FaultBook:
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
            return [asdict(f) for f in self._faults]

    def take(self, selector: str) -> tuple[float, Fault | None]:
        """For one request: the total delay of ``slow`` faults and the first other fault."""
        delay, failure = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.applies(selector) or (failure is not None and fault.kind != "slow"):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                if fault.kind == "slow":
                    delay += fault.delay_s
                else:
                    failure = fault
            self._faults = [f for f in self._faults if f.count is None or f.count > 0]
        return delay, failure
