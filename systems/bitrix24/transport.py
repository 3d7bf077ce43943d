"""Sending REST calls and batches: rate limits, retries, 429 pauses, errors mapped to the tree.

Transport: JSON ``POST {webhook}{method}`` through a ``requests.Session`` the caller owns
(pooled, swappable in tests), (connect, read) timeouts, TLS always verified (optionally
against a CA bundle). The webhook code is a secret: ``repr``, logs and error messages show
``https://portal/rest/1/***/``.

Failures (``errors.py`` draws the tree):
- 503 QUERY_LIMIT_EXCEEDED: mark the shared bucket full, back off with jitter, send again;
- 429 OPERATION_TIME_LIMIT: pause *that method* until ``operating_reset_at`` (other methods
  go on); a short pause is slept through, a long one raises at once with ``retry_after``;
- 5xx and network errors: bounded retries with backoff and jitter, but only for calls that
  are safe to repeat. A create or a status transition (``*.add``, ``*.complete``…) whose
  answer was lost raises ``Bitrix24Unavailable`` with ``outcome_unknown`` instead, so the
  handler looks before it creates again (no duplicate tasks);
- 4xx and 503 OVERLOAD_LIMIT: raised at once, Bitrix code and description in the message.
Exhausted retries raise the last error, a ``RetryableError``, so the pipeline retries later.

``batch`` takes any number of commands and sends them 50 per request, in order (with
``halt`` it stops after the first request that had an error). ``$result[...]`` references
work only inside one request, so more than 50 commands that use them are refused.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests
from loguru import logger

from core.http.client import call_outcome, count_call, count_wait, export_headroom
from systems.bitrix24.answers import (
    BatchResult,
    Bitrix24Response,
    JsonMap,
    int_or_none,
    parse_batch,
)
from systems.bitrix24.errors import (
    Bitrix24OperationLimit,
    Bitrix24RateLimited,
    Bitrix24Transient,
    Bitrix24Unavailable,
)
from systems.bitrix24.failures import exhausted, http_error, network_error
from systems.bitrix24.phpquery import Command, encode_command
from systems.bitrix24.ratelimit import LeakyBucket, MethodPauses, shared_bucket, shared_pauses
from systems.bitrix24.retry import RetryPolicy, is_repeatable
from systems.bitrix24.webhook import Webhook

#: Pause assumed after a 429 that names no reset time (operating time is counted per minute).
SYSTEM = "bitrix24"  # the metrics' system label
DEFAULT_OPERATION_PAUSE_S = 60.0
#: Pause after a 429 whose reset is the current second (``operating_reset_at`` has no fraction).
RESET_SECOND_S = 1.0
BATCH_LIMIT = 50


class Bitrix24Transport:
    """Sends requests to one portal through one incoming webhook (the base of the client)."""

    def __init__(
        self,
        webhook_url: str,
        session: requests.Session,
        *,
        timeout: tuple[float, float] = (3.05, 30.0),
        ca_bundle: str | None = None,
        limiter: LeakyBucket | None = None,
        pauses: MethodPauses | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.webhook = Webhook(webhook_url)
        self.session = session
        self.timeout = timeout
        # A CA bundle path replaces the default trust store; checking is never switched off.
        self._verify: str | bool = ca_bundle or True
        self.limiter = limiter or shared_bucket(self.webhook.portal)
        export_headroom(SYSTEM, self.limiter)
        self.pauses = pauses or shared_pauses(self.webhook.portal)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._reset_hints: dict[str, float] = {}

    # --- generic calls -------------------------------------------------------------------

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> Bitrix24Response:
        """Call one REST method with JSON parameters."""
        payload = self._send(method, dict(params or {}), repeatable=is_repeatable(method))
        return Bitrix24Response.from_payload(payload)

    def batch(self, commands: Mapping[str, Command], halt: bool = False) -> BatchResult:
        """Run commands ``{key: (method, params)}`` through ``batch``, 50 per request."""
        items = list(commands.items())
        if len(items) > BATCH_LIMIT and any("$result[" in json.dumps(cmd, default=str) for _, cmd in items):
            raise ValueError("more than 50 batch commands cannot use $result[...] references")
        combined = BatchResult()
        for start in range(0, len(items), BATCH_LIMIT):
            part = self._batch_request(dict(items[start : start + BATCH_LIMIT]), halt)
            combined.absorb(part)
            if halt and not part.ok:
                break
        return combined

    # --- transport -------------------------------------------------------------------------

    def _batch_request(self, commands: Mapping[str, Command], halt: bool) -> BatchResult:
        methods = {key: method for key, (method, _) in commands.items()}
        body = {"halt": 1 if halt else 0, "cmd": {k: encode_command(m, p) for k, (m, p) in commands.items()}}
        repeatable = all(is_repeatable(m) for m in methods.values())
        payload = self._send("batch", body, repeatable=repeatable, also_paused=set(methods.values()))
        parsed = parse_batch(payload.get("result"), methods)
        for key, failure in parsed.errors.items():
            if isinstance(failure, Bitrix24OperationLimit):
                self._pause(methods.get(key, "batch"), failure, parsed.times.get(key))
        return parsed

    def _send(
        self, method: str, body: Mapping[str, Any], *, repeatable: bool, also_paused: Iterable[str] = ()
    ) -> JsonMap:
        """POST with the rate limits and the retry policy; the decoded successful answer."""
        last: Bitrix24Transient | None = None
        attempts = self.retry.attempts
        for attempt in range(1, attempts + 1):
            for name in (method, *sorted(also_paused)):
                self._honour_pause(name)
            count_wait(SYSTEM, self.limiter.acquire())
            try:
                return self._attempt(method, body, attempt)
            except Bitrix24OperationLimit as exc:
                last = exc  # the pause is recorded; the next round sleeps through it or raises
                continue
            except Bitrix24RateLimited as exc:
                self.limiter.saturate()
                last = exc
            except Bitrix24Unavailable as exc:
                if not repeatable and (exc.status is not None or exc.outcome_unknown):
                    exc.outcome_unknown = True
                    raise
                last = exc
            if attempt < attempts:
                self._back_off(method, last, attempt)
        assert last is not None  # the loop ran at least once and every path set it
        raise exhausted(last, attempts)

    def _attempt(self, method: str, body: Mapping[str, Any], attempt: int) -> JsonMap:
        started = time.monotonic()
        try:
            response = self.session.post(
                self.webhook.url(method), json=body, timeout=self.timeout, verify=self._verify
            )
        except requests.RequestException as exc:
            count_call(SYSTEM, "transport", time.monotonic() - started)
            # "from None": the original text quotes the URL with the secret.
            raise network_error(method, exc, self.webhook.scrub) from None
        count_call(SYSTEM, call_outcome(response.status_code), time.monotonic() - started)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug(
            "bitrix24 {} HTTP {} {:.0f} ms (attempt {})", method, response.status_code, elapsed_ms, attempt
        )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        ok = 200 <= response.status_code < 300
        if ok and isinstance(payload, dict) and "result" in payload and "error" not in payload:
            self._remember_reset(method, payload.get("time"))
            return payload
        error = http_error(method, response, payload, self.webhook.scrub)
        if isinstance(error, Bitrix24OperationLimit):
            self._pause(method, error, payload.get("time") if isinstance(payload, dict) else None)
        raise error

    def _pause(self, method: str, error: Bitrix24Transient, timing: Any) -> None:
        """Pause ``method`` until its operating-time reset (from the answer, a hint, or a default)."""
        now = self._clock()
        reset = int_or_none(timing.get("operating_reset_at")) if isinstance(timing, Mapping) else None
        until = float(reset) if reset else self._reset_hints.get(method.lower(), 0.0)
        if reset and until <= now < until + 1:
            # The portal counts in whole seconds: a reset named for this very second is due now.
            until = now + RESET_SECOND_S
        elif until <= now:
            until = now + (error.retry_after or DEFAULT_OPERATION_PAUSE_S)
        self.pauses.pause(method, until)
        error.retry_after = until - now
        logger.warning("bitrix24 {}: operating-time limit, paused for {:.0f} s", method, until - now)

    def _remember_reset(self, method: str, timing: Any) -> None:
        if isinstance(timing, Mapping) and (reset := int_or_none(timing.get("operating_reset_at"))):
            self._reset_hints[method.lower()] = float(reset)

    def _honour_pause(self, method: str) -> None:
        left = self.pauses.remaining(method)
        if left <= 0:
            return
        if left > self.retry.max_wait_s:
            raise Bitrix24OperationLimit(
                method,
                code="OPERATION_TIME_LIMIT",
                description="method paused by the portal's operating-time limit",
                retry_after=left,
                note="not sent",
            )
        self._sleep(left)

    def _back_off(self, method: str, error: Bitrix24Transient, attempt: int) -> None:
        delay = self.retry.delay(attempt, self._rng)
        if isinstance(error, Bitrix24RateLimited):
            delay = max(delay, 1.0 / self.limiter.rate)
        if error.retry_after is not None:
            if error.retry_after > self.retry.max_wait_s:
                raise error
            delay = max(delay, error.retry_after)
        logger.warning("{}; retry {}/{} in {:.2f} s", error, attempt + 1, self.retry.attempts, delay)
        self._sleep(delay)
