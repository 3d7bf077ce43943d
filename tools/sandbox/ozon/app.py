"""The Ozon Seller API as the sandbox answers it, without HTTP: one request in, one reply out.

Paths (all ``POST`` with a JSON body, as Ozon's reads are; shapes in ``listing.py``):
``/v3/product/list`` and ``/v3/posting/fbs/list``. Order of checks, each answered with Ozon's
error body ``{"code": <gRPC code>, "message": "...", "details": []}``:

1. the route: an unknown path is 404 (code 5 ``Not Found``), another verb on a known path
   405 (code 12 ``Method Not Allowed``), the way a grpc-gateway front answers;
2. the headers: ``Client-Id`` or ``Api-Key`` missing, or a Client-Id that is not a number,
   is 401 (code 16 ``Unauthenticated``); an unknown Client-Id or a key that is not its key is
   403 (code 7 ``PermissionDenied``, ``Invalid Api-Key, please contact support``);
3. the rate: more than ``rate_limit_rps`` requests a second for one Client-Id is 429 with
   code 8 ``You have reached request rate limit per second`` (Ozon: 50 per Client-Id);
4. switched-on faults (``faults.py``);
5. the body: not JSON, not an object, or breaking the method's rules is 400 (code 3).

Every request is counted and logged (``state.py``). The status codes and messages of steps
1–2 are the sandbox's choice (Ozon documents 400/403/404/409/500 with ``rpcStatus``; the
texts are not documented): see ``docs/ozon.md``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

from tools.sandbox.ozon import catalogue
from tools.sandbox.ozon.faults import ERRORS, Fault, FaultBook, error_body
from tools.sandbox.ozon.listing import InvalidArgument, posting_page, product_page
from tools.sandbox.ozon.state import RateLimiter, Settings, State

Reply = tuple[int, Any]
DROP: Reply = (0, None)  # close the connection without an answer
ENDPOINTS = {"/v3/product/list": "product_list", "/v3/posting/fbs/list": "posting_list"}
DEFAULT_CLIENTS = {"123456": "sandbox-api-key"}


class OzonSandbox:
    def __init__(self, clients: Mapping[str, str] | None = None, settings: Settings | None = None) -> None:
        self.clients = dict(clients or DEFAULT_CLIENTS)  # Client-Id → Api-Key
        self.settings = settings or Settings()
        self.state = State()
        self.faults: FaultBook[Fault] = FaultBook()
        self.limiter = RateLimiter(self.settings.rate_limit_rps)
        self._lock = threading.Lock()

    def configure(self, changes: Mapping[str, Any]) -> None:
        """Apply validated settings; a new rate starts a fresh limiter."""
        with self._lock:
            for name, value in changes.items():
                setattr(self.settings, name, value)
            self.limiter = RateLimiter(self.settings.rate_limit_rps)

    def reset(self) -> None:
        """No counters, log or faults; settings and clients stay."""
        self.state.reset()
        self.faults.clear()
        self.configure({})

    def api(self, verb: str, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        """One API request (``headers`` with lower-case names); counted and logged."""
        client_id = headers.get("client-id", "").strip()
        body = _decoded(raw)
        status, answer = self._answer(verb, path, headers, body)
        self.state.record(path, client_id, status, repr(body) if isinstance(body, _BadBody) else body)
        return status, answer

    def products(self, client_id: str) -> tuple[catalogue.Product, ...]:
        return catalogue.products(client_id, self.settings.products)

    def postings(self, client_id: str) -> tuple[catalogue.Posting, ...]:
        settings = self.settings
        return catalogue.postings(client_id, settings.products, settings.days, settings.anchor_day())

    def _answer(self, verb: str, path: str, headers: Mapping[str, str], body: Any) -> Reply:
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            return 404, error_body(5, "Not Found")
        if verb != "POST":
            return 405, error_body(12, "Method Not Allowed")
        refused = self._refused(headers)
        if refused is not None:
            return refused
        client_id = headers["client-id"].strip()
        if not self.limiter.admit(client_id):
            status, code, message = ERRORS["rate_limit"]
            return status, error_body(code, message)
        delay, fault = self.faults.take(endpoint)
        if delay:
            time.sleep(delay)
        if fault is not None:
            return DROP if fault.kind == "drop" else fault.answer()
        return self._serve(endpoint, client_id, body)

    def _refused(self, headers: Mapping[str, str]) -> Reply | None:
        client_id = headers.get("client-id", "").strip()
        api_key = headers.get("api-key", "").strip()
        if not client_id or not api_key:
            return 401, error_body(16, "Client-Id and Api-Key headers are required")
        if not client_id.isdigit():
            return 401, error_body(16, "Client-Id must be a number")
        if self.clients.get(client_id) != api_key:
            return 403, error_body(7, "Invalid Api-Key, please contact support")
        return None

    def _serve(self, endpoint: str, client_id: str, body: Any) -> Reply:
        if isinstance(body, _BadBody):
            return 400, error_body(3, body.reason)
        try:
            if endpoint == "product_list":
                return 200, product_page(body, self.products(client_id))
            return 200, posting_page(body, self.postings(client_id))
        except InvalidArgument as err:
            return 400, error_body(3, str(err))


class _BadBody:
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"<bad body: {self.reason}>"


def _decoded(raw: bytes) -> Any:
    """The request's JSON object, or a ``_BadBody`` saying why it is not one."""
    if not raw.strip():
        return _BadBody("the request body is empty: a JSON object is required")
    try:
        decoded = json.loads(raw)
    except ValueError as err:
        return _BadBody(f"invalid JSON in the request body: {err}")
    if not isinstance(decoded, dict):
        return _BadBody("the request body must be a JSON object")
    return decoded
