"""The sandbox DaData without HTTP: one API request in, (status, JSON body, headers) out.

Paths: ``POST /api/v1/clean/{type}`` (cleaner: ``Token`` + ``X-Secret``, a JSON array of
strings, at most 50) and ``POST /suggestions/api/4_1/rs/findById/party`` (``Token`` only).
Order of checks: the method (405), the keys (401 missing, 403 unknown), the limits (429:
requests per second, and new connections per minute, checked by the server), switched-on
faults, the body (400, 413), then the answer. DaData's error body is not documented; the
sandbox sends ``{"family", "reason", "message"}`` and the client relies on the status only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from tools.sandbox.dadata import parties
from tools.sandbox.dadata.cleaner import CLEANERS
from tools.sandbox.dadata.faults import Fault, FaultBook
from tools.sandbox.dadata.state import SlidingWindow, State

Reply = tuple[int, Any, dict[str, str]]
CLEAN_PREFIX = "/api/v1/clean/"
PARTY_PATH = "/suggestions/api/4_1/rs/findById/party"
MAX_RECORDS = 50
# The API key (Token) and the secret (X-Secret) the sandbox accepts unless told otherwise.
DEFAULT_KEYS = ("sandbox-api-key", "sandbox-x-secret")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}

    def reply(self) -> Reply:
        family = "SERVER_ERROR" if self.status >= 500 else "CLIENT_ERROR"
        body = {"family": family, "reason": HTTPStatus(self.status).phrase, "message": str(self)}
        return self.status, body, self.headers


class DaDataSandbox:
    def __init__(
        self,
        token: str = DEFAULT_KEYS[0],
        secret: str = DEFAULT_KEYS[1],
        *,
        cleaner_rps: int = 20,
        suggestions_rps: int = 30,
        connections_per_minute: int = 60,
    ) -> None:
        self.token = token
        self.secret = secret
        self.state = State()
        self.faults: FaultBook[Fault] = FaultBook()
        self.configure(cleaner_rps, suggestions_rps, connections_per_minute)

    def configure(self, cleaner_rps: int, suggestions_rps: int, connections_per_minute: int) -> None:
        self.limits = {
            "clean": SlidingWindow(cleaner_rps, 1.0),
            "party": SlidingWindow(suggestions_rps, 1.0),
        }
        self.connections = SlidingWindow(connections_per_minute, 60.0)

    def settings(self) -> dict[str, int]:
        return {
            "cleaner_rps": self.limits["clean"].limit,
            "suggestions_rps": self.limits["party"].limit,
            "connections_per_minute": self.connections.limit,
        }

    def reset(self) -> None:
        """No records, counters or faults; settings and keys stay."""
        self.state.reset()
        self.faults.clear()
        self.configure(**self.settings())

    def connection_opened(self) -> bool:
        """A new TCP connection: False when it is over the per-minute limit (its requests get 429)."""
        admitted = self.connections.admit()
        with self.state.lock:
            self.state.connections += 1
            self.state.refused_connections += 0 if admitted else 1
        return admitted

    def api(self, verb: str, path: str, headers: Mapping[str, str], raw: bytes, *, refused: bool) -> Reply:
        endpoint = _endpoint(path)
        with self.state.lock:
            self.state.requests[endpoint or path] += 1
        try:
            status, body, extra = self._api(verb, endpoint, headers, raw, refused)
        except ApiError as err:
            status, body, extra = err.reply()
        with self.state.lock:
            self.state.statuses[status] += 1
        return status, body, extra

    def _api(
        self, verb: str, endpoint: str | None, headers: Mapping[str, str], raw: bytes, refused: bool
    ) -> Reply:
        if endpoint is None:
            raise ApiError(404, "Not found")
        if verb != "POST":
            raise ApiError(405, "Method not allowed: use POST")
        self._authorise(endpoint, headers)
        if refused:
            raise ApiError(429, "Too many new connections per minute: reuse keep-alive connections")
        if not self.limits["party" if endpoint == "party" else "clean"].admit():
            raise ApiError(429, "Too many requests per second")
        delay, fault = self.faults.take(endpoint)
        if delay:
            time.sleep(delay)
        if fault is not None:
            raise _fault_error(fault)
        body = _decode(raw)
        if endpoint == "party":
            return 200, self._party(body), {}
        return 200, self._clean(endpoint.removeprefix("clean/"), body), {}

    def _authorise(self, endpoint: str, headers: Mapping[str, str]) -> None:
        auth = headers.get("authorization") or ""  # names arrive in lower case
        secret = headers.get("x-secret")
        needs_secret = endpoint != "party"
        if not auth.startswith("Token ") or (needs_secret and not secret):
            raise ApiError(401, "API key or secret key is missing")
        if auth.removeprefix("Token ").strip() != self.token or (needs_secret and secret != self.secret):
            raise ApiError(403, "Unknown API key or secret key, or the e-mail is not confirmed")

    def _clean(self, kind: str, body: Any) -> list[dict[str, Any]]:
        cleaner = CLEANERS.get(kind)
        if cleaner is None:
            raise ApiError(400, f"Unsupported type: {kind}")
        if not isinstance(body, list) or not all(isinstance(item, str) for item in body):
            raise ApiError(400, "The body must be a JSON array of strings")
        if len(body) > MAX_RECORDS:
            raise ApiError(413, f"Too many records: at most {MAX_RECORDS}")
        self.state.record_clean(kind, body)
        return [cleaner(item) for item in body]

    def _party(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not str(body.get("query") or "").strip():
            raise ApiError(400, "The body must be a JSON object with a query")
        with self.state.lock:
            self.state.party_lookups[str(body["query"]).strip()] += 1
            return {"suggestions": parties.find(self.state.parties, body)}


def _endpoint(path: str) -> str | None:
    if path.startswith(CLEAN_PREFIX) and path.count("/") == 4:
        return "clean/" + path.removeprefix(CLEAN_PREFIX)
    return "party" if path == PARTY_PATH else None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "Invalid JSON") from None


def _fault_error(fault: Fault) -> ApiError:
    headers = {"Retry-After": f"{fault.retry_after_s:g}"} if fault.retry_after_s is not None else {}
    messages = {
        401: "API key or secret key is missing",
        402: "Not enough funds on the balance",
        403: "Unknown API key, the e-mail is not confirmed, or the daily limit is exceeded",
        429: "Too many requests per second",
    }
    return ApiError(fault.status, messages.get(fault.status, "Internal server error"), headers)
