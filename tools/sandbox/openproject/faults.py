"""Faults switched on through the control API, applied to the next API requests.

``{"kind": ..., "count": N, "endpoint": "create", "work_package": 12, ...}``; ``count`` null = until
cleared; ``endpoint`` (see routes.py: create, get, patch, delete, list, form, comment, activities,
statuses, …) and ``work_package`` (an id) narrow it, null = any. Kinds:
- ``server_error``: 500 ``InternalServerError`` (HAL), nothing done;
- ``unavailable``: 503 with a proxy's HTML page (maintenance, a restart), nothing done;
- ``rate_limit``: 429 ``TooManyRequests`` (a burst is ``count`` of them), with ``Retry-After``
  when ``retry_after_s`` is set;
- ``drop``: the connection closes without an answer, nothing done;
- ``lost_answer``: the work is done, then the connection closes without an answer;
- ``conflict``: 409 ``UpdateConflict`` on the next PATCH (of ``work_package`` if given);
- ``slow``: wait ``delay_s`` before answering normally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.sandbox.common.faults import CountedFault, FaultBook, count_of, kind_of
from tools.sandbox.common.values import optional_float

__all__ = ["KINDS", "Fault", "FaultBook", "target"]

KINDS = ("server_error", "unavailable", "rate_limit", "drop", "lost_answer", "conflict", "slow")


def target(endpoint: str, work_package: int | None) -> str:
    """What a request is, for :meth:`Fault.hits`: ``endpoint`` or ``endpoint/<id>``."""
    return endpoint if work_package is None else f"{endpoint}/{work_package}"


@dataclass
class Fault(CountedFault):
    endpoint: str | None = None
    work_package: int | None = None
    delay_s: float = 0.0
    retry_after_s: float | None = None

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> Fault:
        """Validate a control-API request; ValueError names the bad key."""
        kind = kind_of(spec, KINDS)
        endpoint = str(spec["endpoint"]) if spec.get("endpoint") else None
        if kind == "conflict":
            endpoint = "patch"
        work_package = spec.get("work_package")
        return cls(
            kind,
            count_of(spec),
            endpoint,
            None if work_package is None else int(work_package),
            float(spec.get("delay_s") or 0.0),
            optional_float(spec.get("retry_after_s")),
        )

    def hits(self, target: str) -> bool:
        endpoint, _, work_package = target.partition("/")
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.work_package is None or str(self.work_package) == work_package
