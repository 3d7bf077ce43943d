"""The sandbox portal without HTTP: one REST call in, (status, JSON body) out.

Order of checks, as on a portal: webhook user and code (401 NO_AUTH_FOUND), the leaky
bucket (503 QUERY_LIMIT_EXCEEDED), switched-on faults, then the method itself.
"""

from __future__ import annotations

import time
from typing import Any

from tools.sandbox.bitrix24 import crm, taskitems, tasks
from tools.sandbox.bitrix24.batch import run_batch
from tools.sandbox.bitrix24.bucket import ServerBucket
from tools.sandbox.bitrix24.faults import FaultBook
from tools.sandbox.bitrix24.protocol import Answer, ApiError, Call, Method, time_block
from tools.sandbox.bitrix24.state import State

Reply = tuple[int, dict[str, Any]]
METHODS: dict[str, Method] = {**tasks.METHODS, **taskitems.METHODS, **crm.METHODS}


class Bitrix24Sandbox:
    """One imitated portal with one incoming webhook."""

    def __init__(
        self,
        webhook_user: str = "1",
        webhook_code: str = "sandboxsecret",
        rate: float = 2.0,
        burst: int = 50,
        auto_close_after_s: float | None = None,
    ) -> None:
        self.webhook_user = webhook_user
        self.webhook_code = webhook_code
        self.state = State(webhook_user, auto_close_after_s)
        self.bucket = ServerBucket(rate, burst)
        self.faults = FaultBook()

    def reset(self) -> None:
        """Empty portal, no faults, an empty bucket; settings stay."""
        self.state.reset()
        self.faults.clear()
        self.bucket.configure(self.bucket.rate, self.bucket.burst)

    def rest(self, user: str, code: str, method: str, params: dict[str, Any]) -> Reply:
        """Answer one REST request for ``method`` (lower case, no ``.json``)."""
        status, body = self._rest(user, code, method, params)
        with self.state.lock:
            self.state.statuses[status] += 1
        return status, body

    def _rest(self, user: str, code: str, method: str, params: dict[str, Any]) -> Reply:
        started = time.time()
        self.state.apply_due(started)
        if (user, code) != (self.webhook_user, self.webhook_code):
            return _error(ApiError(401, "NO_AUTH_FOUND", "Wrong authorization data"))
        with self.state.lock:
            self.state.requests[method] += 1
        if not self.bucket.take():
            with self.state.lock:
                self.state.served_503 += 1
            return _error(ApiError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests"))
        delay, fault = self.faults.take(method, started)
        if delay:
            time.sleep(delay)  # the "slow answer" fault: the server, not a test, waits
        if fault is not None:
            status, body = _error(fault.error())
            if fault.until is not None:
                body["time"] = time_block(started, time.time(), reset_at=fault.until)
            return status, body
        try:
            answer = self._batch(params) if method == "batch" else self._invoke(method, params)
        except ApiError as exc:
            return _error(exc)
        body = {"result": answer.result, "time": time_block(started, time.time())}
        if answer.total is not None:
            body["total"] = answer.total
        if answer.next is not None:
            body["next"] = answer.next
        return 200, body

    def _invoke(self, method: str, params: dict[str, Any]) -> Answer:
        handler = METHODS.get(method)
        if handler is None:
            raise ApiError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
        with self.state.lock:
            return handler(Call(self.state, self.webhook_user, time.time()), params)

    def _batch(self, params: dict[str, Any]) -> Answer:
        def run(method: str, query: dict[str, Any]) -> Answer:
            with self.state.lock:
                self.state.batch_commands[method] += 1
            if method == "batch":
                raise ApiError(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
            limit = self.faults.operation_limit(method, time.time())
            if limit is not None:
                raise limit.error()
            return self._invoke(method, query)

        return run_batch(params, run)


def _error(error: ApiError) -> Reply:
    return error.status, dict(error.body())
