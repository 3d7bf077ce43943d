"""The SMS Aero API v2 client: one method per remote call, gates tried in order.

Every call is ``POST <gate>/<selector>`` with a JSON body and HTTP Basic ``email:api_key``,
through the system's call path (core.http: limits, circuit, timeout, verified TLS). On a
connection error the next gate is tried, as the official clients do, with one restriction:
``sms/send`` moves on only when the request surely never reached the gate (refused, name
not resolved, connect timeout, TLS handshake). After a read timeout or a broken answer the SMS
may have gone out, so the error is retryable and the next attempt looks before sending.

Calls start at the gate that answered last (sticky), not always at the first: a gate that is
down would otherwise cost every call a refused connection, and the circuit breaker's single
half-open probe would be spent on it, so the circuit could never close while one gate is out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests
from loguru import logger
from urllib3.exceptions import NewConnectionError

from core.errors import TransportFailure
from core.http import SystemHttp
from systems.smsaero.answers import read_answer
from systems.smsaero.records import SmsPage, SmsRecord


class SmsAeroClient:
    def __init__(
        self,
        http: SystemHttp,
        gates: Sequence[str],
        email: str,
        api_key: str,
        *,
        test_mode: bool = False,
    ) -> None:
        if not gates:
            raise ValueError("SMS Aero needs at least one gate")
        self.http = http
        self.gates = list(gates)
        self._auth = (email, api_key)
        self.test_mode = test_mode
        self._preferred = 0  # index of the gate that answered last (a plain int: races are harmless)

    def send(self, number: str, text: str, sign: str) -> SmsRecord:
        """Send one SMS; the record carries the id to track. Never repeated on an unclear failure."""
        body = {"number": number, "text": text, "sign": sign}
        data = self._call(self._selector("send"), body, repeatable=False)
        return SmsRecord.from_json(data)

    def status(self, sms_id: int) -> SmsRecord:
        return SmsRecord.from_json(self._call(self._selector("status"), {"id": int(sms_id)}))

    def list(self, number: str | None = None, text: str | None = None, page: int = 1) -> SmsPage:
        """One page of sent SMS, filtered by number and text (the only filters the API has)."""
        body: dict[str, Any] = {}
        if number:
            body["number"] = number
        if text:
            body["text"] = text
        return SmsPage.from_json(self._call(self._selector("list"), body, page=page))

    def _selector(self, verb: str) -> str:
        return f"sms/test{verb}" if self.test_mode else f"sms/{verb}"

    def _call(self, selector: str, body: Mapping[str, Any], *, repeatable: bool = True, page: int = 1) -> Any:
        params = {"page": page} if page > 1 else None
        failure: TransportFailure | None = None
        first = self._preferred
        for index in [*range(first, len(self.gates)), *range(first)]:
            gate = self.gates[index]
            try:
                response = self.http.request(
                    "POST", gate + selector, json=dict(body), params=params, auth=self._auth
                )
            except TransportFailure as err:
                if not repeatable and not never_sent(err):
                    raise  # the gate may have sent it: the next attempt looks first
                logger.warning("smsaero gate {} unreachable for {}: {}", index + 1, selector, err)
                failure = err
                continue
            self._preferred = index
            return read_answer(self.http, response, selector)
        assert failure is not None
        raise TransportFailure(f"smsaero: no gate answered {selector} ({len(self.gates)} tried): {failure}")


def never_sent(err: TransportFailure) -> bool:
    """Whether the request surely never reached the server (safe to send to another gate)."""
    cause = err.__cause__
    if isinstance(cause, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        reason = getattr(cause.args[0], "reason", cause.args[0])
        return isinstance(reason, NewConnectionError)  # refused, or the name did not resolve
    return False
