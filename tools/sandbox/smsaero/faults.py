"""Faults switched on through the control API, applied to the next API requests.

``{"kind": ..., "count": N, "selector": "sms/send", ...}``; ``count`` null = until cleared,
``selector`` null = any selector:
- ``server_error``: answer ``status`` (500 with a JSON body; 502/503/504 with a proxy's HTML page);
- ``rate_limit``: 429 (``retry_after_s`` adds a ``Retry-After`` header);
- ``slow``: wait ``delay_s`` before answering normally;
- ``lost_answer``: do the work (an SMS is sent), then answer 502: the caller cannot know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.sandbox.common.faults import CountedFault, FaultBook, count_of, kind_of
from tools.sandbox.common.values import optional_float

__all__ = ["KINDS", "Fault", "FaultBook"]

KINDS = ("server_error", "rate_limit", "slow", "lost_answer")


@dataclass
class Fault(CountedFault):
    selector: str | None = None
    status: int = 500
    delay_s: float = 0.0
    retry_after_s: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = kind_of(spec, KINDS)
        fault = cls(kind, count_of(spec), spec.get("selector"))
        fault.status = int(spec.get("status") or (429 if kind == "rate_limit" else 500))
        if kind == "lost_answer":
            fault.status = 502
        fault.delay_s = float(spec.get("delay_s") or 0.0)
        fault.retry_after_s = optional_float(spec.get("retry_after_s"))
        return fault

    def hits(self, target: str) -> bool:
        return self.selector is None or self.selector == target
