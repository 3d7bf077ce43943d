"""What the sandbox remembers: every API call with its parameters, so tests can prove what was
fetched (and that nothing was fetched twice)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class State:
    """Counters and the call log; take :attr:`lock` around any read-modify-write."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: Counter[str] = Counter()  # per endpoint, every request that arrived
            self.statuses: Counter[int] = Counter()
            self.calls: list[dict[str, Any]] = []  # endpoint, account, status, params, rows
            # 200 answers of fullstats per "account ids beginDate endDate": more than 1 is a re-fetch.
            self.fullstats_served: Counter[str] = Counter()
            self.rows_served: Counter[str] = Counter()  # statistics rows per endpoint

    def record(self, call: dict[str, Any]) -> None:
        with self.lock:
            self.requests[call["endpoint"]] += 1
            self.statuses[call["status"]] += 1
            self.calls.append(call)
            if call["status"] != 200:
                return
            params = call["params"]
            if call["endpoint"] == "fullstats":
                key = (
                    f"{call['account']} {params.get('ids')} {params.get('beginDate')} {params.get('endDate')}"
                )
                self.fullstats_served[key] += 1
            self.rows_served[call["endpoint"]] += int(call.get("rows") or 0)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "calls": [dict(call) for call in self.calls],
                "fullstats_served": dict(self.fullstats_served),
                "rows_served": dict(self.rows_served),
            }
