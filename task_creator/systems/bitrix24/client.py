"""A typed Bitrix24 REST client for one incoming webhook (``https://portal/rest/<user>/<code>/``).

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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from loguru import logger
from urllib3.exceptions import NewConnectionError

from core.redact import register_secret
from task_creator.systems.bitrix24.errors import (
    Bitrix24Error,
    Bitrix24NotFound,
    Bitrix24OperationLimit,
    Bitrix24ProtocolError,
    Bitrix24RateLimited,
    Bitrix24Rejected,
    Bitrix24Transient,
    Bitrix24Unavailable,
    error_for,
)
from task_creator.systems.bitrix24.ratelimit import LeakyBucket, MethodPauses, shared_bucket, shared_pauses

JsonMap = dict[str, Any]
Command = tuple[str, Mapping[str, Any]]
PAGE_SIZE = 50
BATCH_LIMIT = 50
MASK = "***"
#: Method suffixes whose effect must not happen twice: not repeated when the answer is lost.
NOT_REPEATABLE: tuple[str, ...] = (".add", ".complete", ".approve", ".disapprove", ".defer", ".delete")
NOT_REPEATABLE += (".start", ".pause", ".renew", ".send", ".attach")
#: Pause assumed after a 429 that names no reset time (operating time is counted per minute).
DEFAULT_OPERATION_PAUSE_S = 60.0


# --- webhook URL -----------------------------------------------------------------------


class Webhook:
    """An incoming-webhook base URL; only :attr:`redacted` is ever shown."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url.strip())
        segments = [s for s in parts.path.split("/") if s]
        if parts.scheme not in ("https", "http") or not parts.netloc or "rest" not in segments[:-2]:
            # The URL itself stays out of the message: it holds the secret.
            raise ValueError("a Bitrix24 webhook URL looks like https://<portal>/rest/<user>/<code>/")
        self.secret = segments[-1]
        register_secret(self.secret)
        self.portal = parts.netloc
        prefix = f"{parts.scheme}://{parts.netloc}/{'/'.join(segments[:-1])}/"
        self.base = f"{prefix}{self.secret}/"
        self.redacted = f"{prefix}{MASK}/"

    def url(self, method: str) -> str:
        """The endpoint of ``method`` (no ``.json``: JSON is the default)."""
        return self.base + method

    def scrub(self, text: str) -> str:
        """``text`` with the webhook code masked (exception texts quote the URL)."""
        return text.replace(self.secret, MASK)

    def __repr__(self) -> str:
        return f"Webhook({self.redacted!r})"

    __str__ = __repr__


def is_repeatable(method: str) -> bool:
    """Whether sending ``method`` twice has the same effect as once."""
    return not method.lower().endswith(NOT_REPEATABLE)


# --- PHP query strings (batch commands) ------------------------------------------------


def php_query(params: Mapping[str, Any]) -> str:
    """Encode like PHP's ``http_build_query``: ``filter[>ID]=5``, ``select[0]=ID``.

    Key parts and values are percent-encoded (``>=`` in a key must not read as ``=``), the
    brackets stay literal. ``None`` is left out and booleans become 1/0, as PHP does.
    """
    pairs: list[str] = []
    for key, value in params.items():
        _flatten(quote(str(key), safe=""), value, pairs)
    return "&".join(pairs)


def _flatten(prefix: str, value: Any, out: list[str]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}[{quote(str(key), safe='')}]", item, out)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, out)
    else:
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        out.append(f"{prefix}={quote(text, safe='')}")


def encode_command(method: str, params: Mapping[str, Any] | None = None) -> str:
    """One ``batch`` command: the method and its parameters as a PHP query string."""
    query = php_query(params or {})
    return f"{method}?{query}" if query else method


# --- answers ---------------------------------------------------------------------------


def _php_map(value: Any) -> dict[str, Any]:
    """A map from PHP's JSON: an empty one arrives as ``[]``, numeric keys as a list."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Bitrix24Response:
    """One successful answer: ``result`` plus list paging (``total``, ``next``) and ``time``."""

    result: Any
    total: int | None = None
    next: int | None = None
    time: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Bitrix24Response:
        timing = payload.get("time")
        return cls(
            result=payload.get("result"),
            total=_int_or_none(payload.get("total")),
            next=_int_or_none(payload.get("next")),
            time=timing if isinstance(timing, Mapping) else {},
        )


@dataclass
class BatchResult:
    """The answers of a ``batch``, per command key. ``result[key]`` raises that command's error."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Bitrix24Error] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    next: dict[str, int] = field(default_factory=dict)
    times: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        """The result of ``key``; its error if it failed; KeyError if it never ran (halt)."""
        if key in self.errors:
            raise self.errors[key]
        return self.results[key]

    @property
    def ok(self) -> bool:
        """True when no command failed."""
        return not self.errors

    def raise_first_error(self) -> None:
        """Raise the error of the first failed command, if any."""
        for error in self.errors.values():
            raise error

    def absorb(self, other: BatchResult) -> None:
        """Add the answers of another request of the same logical batch."""
        self.results.update(other.results)
        self.errors.update(other.errors)
        self.totals.update(other.totals)
        self.next.update(other.next)
        self.times.update(other.times)


def rows_of(method: str, result: Any) -> list[JsonMap]:
    """The records of a list answer: a bare array (crm, user) or ``{"tasks": [...]}``."""
    if isinstance(result, Mapping):
        lists = [v for v in result.values() if isinstance(v, list)]
        if not result or (len(result) == 1 and lists):
            result = lists[0] if lists else []
    if not isinstance(result, list):
        raise Bitrix24ProtocolError(method, description="a list method answered without a list")
    return [dict(row) for row in result if isinstance(row, Mapping)]


def task_key(field_name: str) -> str:
    """The key of an UPPER_SNAKE request field in a task answer: ``UF_CRM_TASK`` → ``ufCrmTask``."""
    head, *rest = field_name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


# --- retry policy ----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: exponential backoff with jitter, server hints honoured up to a limit."""

    attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    #: Longest server-named wait (Retry-After, 429 reset) slept through inside one call;
    #: a longer one raises at once with ``retry_after`` so no worker thread blocks for minutes.
    max_wait_s: float = 10.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Wait before attempt ``attempt + 1``: half fixed, half random (equal jitter)."""
        cap = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        return cap / 2 + rng.uniform(0, cap / 2)


def _surely_unsent(exc: requests.RequestException) -> bool:
    """True when the request never reached the portal (connect failed), so repeating is safe."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _retry_after_header(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


# --- the client ------------------------------------------------------------------------


class Bitrix24Client:
    """Calls one portal through one incoming webhook; thread-safe if the session is.

    ``limiter`` and ``pauses`` default to the process-wide ones of the portal, so every
    client and thread of the process shares one leaky bucket (2/s, burst 50 by default;
    pass ``LeakyBucket(5, 250)`` or ``shared_bucket(portal, 5, 250)`` on Enterprise).
    """

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
        self.pauses = pauses or shared_pauses(self.webhook.portal)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._reset_hints: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"Bitrix24Client(webhook={self.webhook.redacted!r})"

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

    def iter_list(self, method: str, params: Mapping[str, Any] | None = None) -> Iterator[JsonMap]:
        """Every record of a list method, page by page (``start`` = the previous ``next``)."""
        start = 0
        while True:
            page = self.call(method, {**(params or {}), "start": start})
            yield from rows_of(method, page.result)
            if page.next is None:
                return
            start = page.next

    def iter_all_fast(
        self, method: str, params: Mapping[str, Any] | None = None, id_key: str = "ID"
    ) -> Iterator[JsonMap]:
        """Every record, the fast way for big lists: ``start=-1`` (no count), ``order {ID: ASC}``
        and a moving ``filter {">ID": last}``, until a page has fewer than 50 rows.

        ``id_key`` is the id's key in the answer: ``ID`` in CRM, ``id`` in tasks.
        """
        base = dict(params or {})
        if "order" in base or "start" in base:
            raise ValueError("iter_all_fast sets order and start itself")
        conditions = dict(base.pop("filter", None) or {})
        last = conditions.pop(">ID", 0)
        while True:
            query = {**base, "order": {"ID": "ASC"}, "filter": {**conditions, ">ID": last}, "start": -1}
            rows = rows_of(method, self.call(method, query).result)
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            last = int(rows[-1][id_key])

    # --- tasks -----------------------------------------------------------------------------

    def task_add(self, fields: Mapping[str, Any]) -> JsonMap:
        """``tasks.task.add``; the new task (camelCase keys, string values)."""
        return self._task_of("tasks.task.add", self.call("tasks.task.add", {"fields": dict(fields)}))

    def task_get(self, task_id: int, select: Sequence[str] | None = None) -> JsonMap | None:
        """``tasks.task.get``; None for a missing or inaccessible task (it answers ``[]``)."""
        params: JsonMap = {"taskId": task_id}
        if select is not None:
            params["select"] = list(select)
        result = self.call("tasks.task.get", params).result
        if isinstance(result, Mapping) and isinstance(result.get("task"), Mapping):
            return dict(result["task"])
        return None

    def task_update(self, task_id: int, fields: Mapping[str, Any]) -> JsonMap:
        """``tasks.task.update``; the task as the portal returns it (may be empty)."""
        result = self.call("tasks.task.update", {"taskId": task_id, "fields": dict(fields)}).result
        task = result.get("task") if isinstance(result, Mapping) else None
        return dict(task) if isinstance(task, Mapping) else {}

    def task_list(
        self,
        filter: Mapping[str, Any] | None = None,
        select: Sequence[str] | None = None,
        start: int = 0,
        order: Mapping[str, str] | None = None,
    ) -> tuple[list[JsonMap], int | None]:
        """One page of ``tasks.task.list``: the tasks and the ``next`` start (None at the end)."""
        params: JsonMap = {"filter": dict(filter or {}), "start": start}
        if select is not None:
            params["select"] = list(select)
        if order is not None:
            params["order"] = dict(order)
        page = self.call("tasks.task.list", params)
        return rows_of("tasks.task.list", page.result), page.next

    def tasks_by_ids(self, ids: Iterable[int], select: Sequence[str] | None = None) -> dict[int, JsonMap]:
        """Tasks by id, one ``tasks.task.list`` with ``filter {ID: [...]}`` per 50 ids.

        Missing (deleted, inaccessible) ids are simply absent from the answer.
        """
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if select is not None and "ID" not in select:
            select = ["ID", *select]
        found: dict[int, JsonMap] = {}
        for start in range(0, len(wanted), PAGE_SIZE):
            tasks, _ = self.task_list({"ID": wanted[start : start + PAGE_SIZE]}, select)
            found.update({int(task["id"]): task for task in tasks})
        return found

    def task_complete(self, task_id: int) -> JsonMap:
        """``tasks.task.complete`` (status 5, or 4 when the creator must approve)."""
        return self._task_of("tasks.task.complete", self.call("tasks.task.complete", {"taskId": task_id}))

    def task_defer(self, task_id: int) -> JsonMap:
        """``tasks.task.defer`` (status 6)."""
        return self._task_of("tasks.task.defer", self.call("tasks.task.defer", {"taskId": task_id}))

    def task_approve(self, task_id: int) -> JsonMap:
        """``tasks.task.approve``: a task awaiting control (4) becomes completed (5)."""
        return self._task_of("tasks.task.approve", self.call("tasks.task.approve", {"taskId": task_id}))

    def task_comment_add(self, task_id: int, text: str, author_id: int | None = None) -> int:
        """``task.commentitem.add``; the comment id."""
        fields: JsonMap = {"POST_MESSAGE": text}
        if author_id is not None:
            fields["AUTHOR_ID"] = author_id
        return self._id_of("task.commentitem.add", {"TASKID": task_id, "FIELDS": fields})

    def checklist_item_add(
        self,
        task_id: int,
        title: str,
        *,
        parent_id: int | None = None,
        sort_index: int | None = None,
        is_complete: bool = False,
        is_important: bool = False,
    ) -> int:
        """``task.checklistitem.add``; the item id. ``parent_id=0`` starts a new checklist."""
        fields: JsonMap = {"TITLE": title, "IS_COMPLETE": "Y" if is_complete else "N"}
        fields["IS_IMPORTANT"] = "Y" if is_important else "N"
        if parent_id is not None:
            fields["PARENT_ID"] = parent_id
        if sort_index is not None:
            fields["SORT_INDEX"] = sort_index
        return self._id_of("task.checklistitem.add", {"TASKID": task_id, "FIELDS": fields})

    def task_results(self, task_id: int) -> list[JsonMap]:
        """``tasks.task.result.list``: the results a person attached when closing the task."""
        return rows_of(
            "tasks.task.result.list", self.call("tasks.task.result.list", {"taskId": task_id}).result
        )

    def find_tasks_by_field(
        self, field_name: str, value: Any, select: Sequence[str] | None = None
    ) -> list[JsonMap]:
        """Every task whose field (e.g. ``UF_CAMUNDA_ID_EXTERNAL_TASK``) equals ``value``."""
        params: JsonMap = {"filter": {field_name: value}}
        if select is not None:
            params["select"] = list(select)
        return list(self.iter_list("tasks.task.list", params))

    # --- CRM and users ---------------------------------------------------------------------

    def lead_add(self, fields: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> int:
        """``crm.lead.add``; the new lead's id."""
        return self._id_of("crm.lead.add", {"fields": dict(fields), "params": dict(params or {})})

    def lead_update(self, lead_id: int, fields: Mapping[str, Any]) -> bool:
        """``crm.lead.update``; multi-fields (PHONE…) without ``ID`` are added, not replaced."""
        return bool(self.call("crm.lead.update", {"id": lead_id, "fields": dict(fields)}).result)

    def lead_get(self, lead_id: int) -> JsonMap | None:
        """``crm.lead.get`` (UPPER_SNAKE keys); None when the lead does not exist."""
        try:
            result = self.call("crm.lead.get", {"id": lead_id}).result
        except Bitrix24NotFound:
            return None
        return dict(result) if isinstance(result, Mapping) else None

    def user_get(self, filter: Mapping[str, Any] | None = None) -> list[JsonMap]:
        """``user.get``: every user matching ``filter`` (all pages)."""
        return list(self.iter_list("user.get", {"FILTER": dict(filter or {})}))

    # --- helpers ---------------------------------------------------------------------------

    def _task_of(self, method: str, response: Bitrix24Response) -> JsonMap:
        task = response.result.get("task") if isinstance(response.result, Mapping) else None
        if not isinstance(task, Mapping):
            raise Bitrix24ProtocolError(method, description="the answer holds no task")
        return dict(task)

    def _id_of(self, method: str, params: Mapping[str, Any]) -> int:
        value = _int_or_none(self.call(method, params).result)
        if value is None:
            raise Bitrix24ProtocolError(method, description="the answer holds no id")
        return value

    # --- transport -------------------------------------------------------------------------

    def _batch_request(self, commands: Mapping[str, Command], halt: bool) -> BatchResult:
        methods = {key: method for key, (method, _) in commands.items()}
        body = {"halt": 1 if halt else 0, "cmd": {k: encode_command(m, p) for k, (m, p) in commands.items()}}
        repeatable = all(is_repeatable(m) for m in methods.values())
        payload = self._send("batch", body, repeatable=repeatable, also_paused=set(methods.values()))
        return self._parse_batch(payload.get("result"), methods)

    def _parse_batch(self, result: Any, methods: Mapping[str, str]) -> BatchResult:
        body = result if isinstance(result, Mapping) else {}
        parsed = BatchResult(results=_php_map(body.get("result")))
        parsed.times = {k: v for k, v in _php_map(body.get("result_time")).items() if isinstance(v, Mapping)}
        for key, raw in _php_map(body.get("result_error")).items():
            error = raw if isinstance(raw, Mapping) else {"error_description": str(raw)}
            method = methods.get(key, "batch")
            failure = error_for(
                method, None, str(error.get("error", "")), str(error.get("error_description", ""))
            )
            if isinstance(failure, Bitrix24OperationLimit):
                self._pause(method, failure, parsed.times.get(key))
            parsed.errors[key] = failure
        for target, name in ((parsed.totals, "result_total"), (parsed.next, "result_next")):
            for key, value in _php_map(body.get(name)).items():
                if (number := _int_or_none(value)) is not None:
                    target[key] = number
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
            self.limiter.acquire()
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
        raise self._exhausted(last, attempts)

    def _attempt(self, method: str, body: Mapping[str, Any], attempt: int) -> JsonMap:
        started = time.monotonic()
        try:
            response = self.session.post(
                self.webhook.url(method), json=body, timeout=self.timeout, verify=self._verify
            )
        except requests.RequestException as exc:
            # "from None": the original text quotes the URL with the secret.
            raise self._network_error(method, exc) from None
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
        raise self._http_error(method, response, payload)

    def _network_error(self, method: str, exc: requests.RequestException) -> Bitrix24Error:
        text = self.webhook.scrub(str(exc))
        if isinstance(exc, requests.exceptions.SSLError):
            return Bitrix24Rejected(method, code="SSLError", description=text)
        error = Bitrix24Unavailable(method, code=type(exc).__name__, description=text)
        error.outcome_unknown = not _surely_unsent(exc)
        return error

    def _http_error(self, method: str, response: requests.Response, payload: Any) -> Bitrix24Error:
        status = response.status_code
        if isinstance(payload, dict) and ("error" in payload or status >= 300):
            code, text = (
                str(payload.get("error", "")),
                self.webhook.scrub(str(payload.get("error_description", ""))),
            )
        elif 200 <= status < 300:
            return Bitrix24ProtocolError(method, status=status, description="not a Bitrix24 JSON answer")
        else:
            code, text = "", f"non-JSON answer ({response.reason or 'no reason'})"
        error = error_for(method, status, code, text)
        if isinstance(error, Bitrix24Transient):
            error.retry_after = _retry_after_header(response)
        if isinstance(error, Bitrix24OperationLimit):
            self._pause(method, error, payload.get("time") if isinstance(payload, dict) else None)
        return error

    def _pause(self, method: str, error: Bitrix24Transient, timing: Any) -> None:
        """Pause ``method`` until its operating-time reset (from the answer, a hint, or a default)."""
        now = self._clock()
        reset = _int_or_none(timing.get("operating_reset_at")) if isinstance(timing, Mapping) else None
        until = float(reset) if reset else self._reset_hints.get(method.lower(), 0.0)
        if until <= now:
            until = now + (error.retry_after or DEFAULT_OPERATION_PAUSE_S)
        self.pauses.pause(method, until)
        error.retry_after = until - now
        logger.warning("bitrix24 {}: operating-time limit, paused for {:.0f} s", method, until - now)

    def _remember_reset(self, method: str, timing: Any) -> None:
        if isinstance(timing, Mapping) and (reset := _int_or_none(timing.get("operating_reset_at"))):
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

    @staticmethod
    def _exhausted(last: Bitrix24Transient, attempts: int) -> Bitrix24Transient:
        error = type(last)(
            last.method,
            status=last.status,
            code=last.code,
            description=last.description,
            retry_after=last.retry_after,
            note=f"gave up after {attempts} attempts",
        )
        if isinstance(last, Bitrix24Unavailable) and isinstance(error, Bitrix24Unavailable):
            error.outcome_unknown = last.outcome_unknown
        return error
