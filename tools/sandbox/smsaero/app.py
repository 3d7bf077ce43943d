"""The SMS Aero API v2 without HTTP: one request in, (status, body, headers) out.

Order of checks: HTTP Basic ``email:api_key`` (401), switched-on faults, then the selector.
Shapes follow the reference (external-apis.md §8) and the official clients:
``{"success": true, "data": {...}, "message": null}``; refusals are ``success: false`` with a
``message`` (validation errors also name the field in ``data``). The 401 and 429 bodies and
the HTTP statuses of refusals are not documented in the sources read (a Yii-style API is assumed).
"""

from __future__ import annotations

import base64
import re
import time
from http import HTTPStatus
from typing import Any

from tools.sandbox.smsaero.faults import Fault, FaultBook
from tools.sandbox.smsaero.state import SmsRow, State

Reply = tuple[int, Any, dict[str, str]]
PAGE_SIZE = 20
INVALID_CREDENTIALS = "Your request was made with invalid credentials."
PROXY_PAGE = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"


def ok(data: Any) -> Reply:
    return 200, {"success": True, "data": data, "message": None}, {}


def refused(status: int, message: str, data: Any = None) -> Reply:
    return status, {"success": False, "data": data, "message": message}, {}


class SmsAeroSandbox:
    """One imitated SMS Aero account; every gate server shares it."""

    def __init__(self, email: str = "sandbox@example.com", api_key: str = "sandbox-api-key") -> None:
        self.email = email
        self.api_key = api_key
        self.state = State()
        self.faults: FaultBook[Fault] = FaultBook(list_spent=True)

    def reset(self) -> None:
        self.state.reset()
        self.faults.clear()

    def api(self, gate: str, selector: str, authorization: str | None, params: dict[str, Any]) -> Reply:
        status, body, headers = self._api(selector, authorization, params)
        with self.state.lock:
            self.state.statuses[str(status)] += 1
            self.state.gate_requests[gate] += 1
        return status, body, headers

    def _api(self, selector: str, authorization: str | None, params: dict[str, Any]) -> Reply:
        now = time.time()
        self.state.apply_due(now)
        if not self._authorised(authorization):
            return refused(401, INVALID_CREDENTIALS)
        with self.state.lock:
            self.state.requests[selector] += 1
        delay, fault = self.faults.take(selector)
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind != "lost_answer":
            return _fault_reply(fault)
        reply = self._selector(selector, params, now)
        return _fault_reply(fault) if fault is not None else reply

    def _authorised(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(authorization[6:], validate=True).decode("utf-8")
        except ValueError:
            return False
        return decoded == f"{self.email}:{self.api_key}"

    def _selector(self, selector: str, params: dict[str, Any], now: float) -> Reply:
        if selector == "auth":
            return ok(None)
        if selector == "balance":
            return ok({"balance": round(self.state.balance, 2)})
        if selector in ("sms/send", "sms/testsend"):
            return self._send(params, now, test=selector == "sms/testsend")
        if selector in ("sms/status", "sms/teststatus"):
            return self._status(params, test=selector == "sms/teststatus")
        if selector in ("sms/list", "sms/testlist"):
            return self._list(params, test=selector == "sms/testlist")
        return refused(404, "Not found.")

    def _send(self, params: dict[str, Any], now: float, *, test: bool) -> Reply:
        number = re.sub(r"\D", "", str(params.get("number") or ""))
        text = str(params.get("text") or "")
        sign = str(params.get("sign") or "")
        if not 11 <= len(number) <= 15:
            return refused(400, "Validation error.", {"number": ["Invalid phone number."]})
        if not text.strip():
            return refused(400, "Validation error.", {"text": ["Text cannot be blank."]})
        if sign not in self.state.signs:
            return refused(400, "Validation error.", {"sign": ["Sign is not approved."]})
        with self.state.lock:
            if not test and self.state.balance < self.state.price:
                return refused(400, "Not enough money on the balance.")
            row = self.state.add(number, text, sign, now, test=test)
            return ok(row.json(cost_text=False))

    def _row(self, params: dict[str, Any], *, test: bool) -> SmsRow | None:
        try:
            sms_id = int(params.get("id") or 0)
        except (TypeError, ValueError):
            return None
        row = self.state.sms.get(sms_id)
        return row if row is not None and row.test == test else None

    def _status(self, params: dict[str, Any], *, test: bool) -> Reply:
        with self.state.lock:
            row = self._row(params, test=test)
            if row is None:
                return refused(404, "Not found.")
            return ok(row.json(cost_text=True))

    def _list(self, params: dict[str, Any], *, test: bool) -> Reply:
        number = re.sub(r"\D", "", str(params.get("number") or ""))
        text = str(params.get("text") or "")
        page = max(int(params.get("page") or 1), 1)
        with self.state.lock:
            rows = [
                row
                for row in sorted(self.state.sms.values(), key=lambda r: r.id, reverse=True)
                if row.test == test and (not number or row.number == number) and text in row.text
            ]
            chunk = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            if not chunk:
                return ok([])
            data: dict[str, Any] = {str(n): row.json(cost_text=True) for n, row in enumerate(chunk)}
        last = (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE
        selector = "sms/testlist" if test else "sms/list"
        links = {"self": f"/v2/{selector}?page={page}", "first": f"/v2/{selector}?page=1"}
        links["last"] = f"/v2/{selector}?page={last}"
        if page < last:
            links["next"] = f"/v2/{selector}?page={page + 1}"
        data["links"] = links
        data["totalCount"] = str(len(rows))
        return ok(data)


def _fault_reply(fault: Fault) -> Reply:
    if fault.kind == "rate_limit":
        headers = {} if fault.retry_after_s is None else {"Retry-After": f"{fault.retry_after_s:g}"}
        return 429, {"success": False, "data": None, "message": "Too Many Requests"}, headers
    if fault.status == 500:
        return 500, {"success": False, "data": None, "message": "Internal server error."}, {}
    return fault.status, PROXY_PAGE.format(f"{fault.status} {HTTPStatus(fault.status).phrase}"), {}
