"""The sandbox Wildberries without HTTP: one API request in, (status, body, headers) out.

One server answers both hosts' paths (advert and statistics), so clients may point both
base URLs at it. Order of checks, per request: the path (404), the token (401 "token
problem" when missing or unknown), its category (401 naming the category the method needs:
WB answers a token of the wrong category with 401 too), switched-on faults, the rate limit
of (account, method group) (429 with ``X-Ratelimit-Retry``), the parameters (400), the answer
(with ``X-Ratelimit-Remaining``). Every request is logged in the state with its parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from tools.sandbox.wildberries import advert, statistics
from tools.sandbox.wildberries.accounts import ADVERT, DEFAULT_TOKEN, STATISTICS, Account, Tokens
from tools.sandbox.wildberries.bodies import gateway_error, too_many_requests
from tools.sandbox.wildberries.clock import moscow_today
from tools.sandbox.wildberries.faults import Fault, FaultBook
from tools.sandbox.wildberries.limits import Buckets, Verdict, seconds
from tools.sandbox.wildberries.state import State

Reply = tuple[int, Any, dict[str, str]]
# An answer of None: close the connection without one (the ``dropped`` fault).
Answer = Reply | None
ROUTES = {
    "/adv/v1/promotion/count": "count",
    "/api/advert/v2/adverts": "adverts",
    "/adv/v3/fullstats": "fullstats",
    "/api/v1/supplier/orders": "orders",
    "/api/v1/supplier/sales": "sales",
}
CATEGORY = {
    "count": ADVERT,
    "adverts": ADVERT,
    "fullstats": ADVERT,
    "orders": STATISTICS,
    "sales": STATISTICS,
}
DEFAULT_PAGE_CAP = 500


class WildberriesSandbox:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        time_scale: float = 1.0,
        today: date | None = None,
        page_cap: int = DEFAULT_PAGE_CAP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tokens = Tokens(token)
        self.buckets = Buckets(time_scale, clock)
        self.fixed_today = today
        self.page_cap = page_cap
        self.state = State()
        self.faults: FaultBook[Fault] = FaultBook()

    @property
    def today(self) -> date:
        """The fixed date, or the real one in Moscow."""
        return self.fixed_today or moscow_today()

    def settings(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "fixed_today": self.fixed_today.isoformat() if self.fixed_today else None,
            "time_scale": self.buckets.time_scale,
            "page_cap": self.page_cap,
        }

    def reset(self) -> None:
        """No calls, faults or spent tokens; settings and API tokens stay."""
        self.state.reset()
        self.faults.clear()
        self.buckets.reset()

    def api(self, verb: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Answer:
        """One API request (``headers`` with lower-case names); logged with its parameters."""
        endpoint = ROUTES.get(path) if verb == "GET" else None
        if endpoint is None:
            return 404, gateway_error(404, "not found", f"no method {verb} {path}", "sandbox"), {}
        call: dict[str, Any] = {"endpoint": endpoint, "account": None, "params": dict(query)}
        answer = self._api(endpoint, query, headers, call)
        call["status"] = answer[0] if answer else 0  # 0: dropped
        self.state.record(call)
        return answer

    def _api(
        self, endpoint: str, query: Mapping[str, str], headers: Mapping[str, str], call: dict[str, Any]
    ) -> Answer:
        grant = self.tokens.find(headers.get("authorization", ""))
        if grant is None:
            detail = (
                "token problem; token is malformed or unknown"
                if headers.get("authorization")
                else ("token problem; empty Authorization header")
            )
            return 401, gateway_error(401, "unauthorized", detail), {}
        call["account"] = grant.account.name
        needed = CATEGORY[endpoint]
        if needed not in grant.categories:
            detail = f"token scope not allowed: the method needs a token of category {needed}"
            return 401, gateway_error(401, "unauthorized", detail), {}
        delay, fault = self.faults.take(f"{grant.account.name}/{endpoint}")
        if delay:
            time.sleep(delay)
        if fault is not None:
            return self._fault(fault)
        verdict = self.buckets.take(grant.account.name, endpoint)
        if not verdict.allowed:
            return 429, too_many_requests(), self._limit_headers(verdict)
        status, body = self._answer(endpoint, grant.account, query)
        if status == 200 and endpoint in ("orders", "sales"):
            call["rows"] = len(body)
        return status, body, {"X-Ratelimit-Remaining": str(verdict.remaining)}

    def _answer(self, endpoint: str, account: Account, query: Mapping[str, str]) -> tuple[int, Any]:
        today = self.today
        if endpoint == "count":
            return advert.promotion_count(account, today)
        if endpoint == "adverts":
            return advert.adverts(account, query, today)
        if endpoint == "fullstats":
            return advert.fullstats(account, query, today)
        return statistics.rows(endpoint, account, query, today, self.page_cap)

    def _fault(self, fault: Fault) -> Answer:
        if fault.kind == "dropped":
            return None
        if fault.kind == "unauthorized":
            return 401, gateway_error(401, "unauthorized", "token problem; token is expired"), {}
        if fault.kind == "rate_limited":
            scale = self.buckets.time_scale
            wait = fault.retry_after_s if fault.retry_after_s is not None else 1.0 / scale
            text = seconds(wait, whole=scale == 1)
            headers = {"X-Ratelimit-Retry": text, "X-Ratelimit-Limit": "1", "X-Ratelimit-Reset": text}
            return 429, too_many_requests(), headers
        detail = "internal server error" if fault.status == 500 else "bad gateway or service unavailable"
        return fault.status, gateway_error(fault.status, "server error", detail, "sandbox"), {}

    def _limit_headers(self, verdict: Verdict) -> dict[str, str]:
        whole = self.buckets.time_scale == 1
        return {
            "X-Ratelimit-Retry": seconds(verdict.retry_s, whole=whole),
            "X-Ratelimit-Limit": str(verdict.limit),
            "X-Ratelimit-Reset": seconds(verdict.reset_s, whole=whole),
        }
