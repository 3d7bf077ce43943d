"""The OpenProject API v3 without HTTP: one request in, one :class:`Reply` out.

Order, as a real instance behind a proxy answers: switched-on faults (the proxy, the app
server), the rate limit (429 ``TooManyRequests``), authentication (401 ``Unauthenticated``:
Basic ``apikey:<token>`` or ``Bearer <token>``), the media type of POST and PATCH (406 in plain
text when missing, 415 ``TypeNotSupported`` when not JSON), the body (400 ``InvalidRequestBody``),
then the route: 404, 403, 409, 422 or the answer. Due simulated people act first.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from typing import Any

from loguru import logger

from tools.sandbox.openproject.context import Call, Request, Settings
from tools.sandbox.openproject.faults import Fault, FaultBook, target
from tools.sandbox.openproject.hal import HTML, TEXT, ApiError, Reply, error, not_found
from tools.sandbox.openproject.people import People
from tools.sandbox.openproject.ratelimit import TokenBucket
from tools.sandbox.openproject.routes import Route, resolve
from tools.sandbox.openproject.state import State

JSON_TYPES = ("application/json", "application/hal+json")
WITH_BODY = ("POST", "PATCH")
MISSING_CREDENTIALS = "You need to be authenticated to access this resource."
WRONG_CREDENTIALS = "You did not provide the correct credentials."
INTERNAL = "An internal error has occurred."
TOO_MANY = "Your requests have been throttled. Please wait and try again later."
PROXY_PAGE = "<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1></body></html>"


class OpenProjectSandbox:
    def __init__(self, token: str, settings: Settings | None = None) -> None:
        self.token = token
        self.settings = settings or Settings()
        self.state = State()
        self.faults: FaultBook[Fault] = FaultBook(list_spent=True)
        self.people = People()
        self.bucket = TokenBucket(self.settings.rate_limit_rps, self.settings.rate_limit_burst)

    def reset(self) -> None:
        """Back to the seed: no work packages, counters, faults or rules; settings stay."""
        with self.state.lock:
            self.state.reset()
            self.people.reset()
        self.faults.clear()
        self.configure()

    def configure(self) -> None:
        """Apply changed settings (the rate limit starts over)."""
        self.bucket.configure(self.settings.rate_limit_rps, self.settings.rate_limit_burst)

    def api(self, request: Request) -> Reply:
        """One API request; counted by endpoint and by answer."""
        route = resolve(request.verb, request.path)
        reply = self._api(request, route)
        with self.state.lock:
            counters = self.state.counters
            counters.requests[route.endpoint if route else "unknown"] += 1
            counters.answers["dropped" if reply.drop else str(reply.status)] += 1
            counters.rate_limited += reply.status == 429
            counters.auth_failures += reply.status == 401
        return reply

    def _api(self, request: Request, route: Route | None) -> Reply:
        delay, fault = self.faults.take(target(route.endpoint, route.work_package) if route else "unknown")
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind not in ("lost_answer", "conflict"):
            return self._fault_reply(fault)
        if not self.bucket.take():
            return self._too_many()
        try:
            self._authenticate(request.headers.get("authorization", ""))
            media = self._media_type_refusal(request)
            if media is not None:
                return media
            reply = self._route(request, route, conflict=fault is not None and fault.kind == "conflict")
        except ApiError as err:
            reply = err.reply()
        except Exception:  # a sandbox bug: answered as production answers its own bugs
            logger.exception(
                "openproject sandbox: {} {} failed", request.verb, route.endpoint if route else "?"
            )
            reply = Reply(500, error("InternalServerError", INTERNAL))
        return Reply(0, drop=True) if fault is not None and fault.kind == "lost_answer" else reply

    def _route(self, request: Request, route: Route | None, *, conflict: bool) -> Reply:
        body = _body(request) if request.verb in WITH_BODY else {}
        if route is None:
            raise not_found()
        now = time.time()
        with self.state.lock:
            self.people.apply_due(self.state, now)
            call = Call(self.state, self.settings, request, route.args, now, body, conflict)
            return route.handler(call)

    def _authenticate(self, header: str) -> None:
        scheme, _, value = header.strip().partition(" ")
        token = self.token.encode("utf-8")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode("utf-8"), token):
            return
        user, password = _basic_credentials(value) if scheme.lower() == "basic" else ("", "")
        if user == "apikey" and hmac.compare_digest(password.encode("utf-8"), token):
            return
        message = WRONG_CREDENTIALS if header.strip() else MISSING_CREDENTIALS
        raise ApiError(
            error("Unauthenticated", message), {"WWW-Authenticate": 'Basic realm="OpenProject API"'}
        )

    def _media_type_refusal(self, request: Request) -> Reply | None:
        if request.verb not in WITH_BODY:
            return None
        given = request.headers.get("content-type", "").strip()
        if not given:
            return Reply(406, "Missing content-type header", TEXT)
        if not given.lower().startswith(JSON_TYPES):
            message = f"Expected CONTENT-TYPE to be ({' '.join(JSON_TYPES)}) but got ({given})."
            raise ApiError.of("TypeNotSupported", message)
        return None

    def _too_many(self) -> Reply:
        retry = self.settings.retry_after_s
        headers = {} if retry is None else {"Retry-After": f"{retry:g}"}
        return Reply(429, error("TooManyRequests", TOO_MANY), headers=headers)

    def _fault_reply(self, fault: Fault) -> Reply:
        if fault.kind == "drop":
            return Reply(0, drop=True)
        if fault.kind == "unavailable":
            return Reply(503, PROXY_PAGE, HTML)
        if fault.kind == "rate_limit":
            headers = {} if fault.retry_after_s is None else {"Retry-After": f"{fault.retry_after_s:g}"}
            return Reply(429, error("TooManyRequests", TOO_MANY), headers=headers)
        return Reply(500, error("InternalServerError", INTERNAL))


def _basic_credentials(value: str) -> tuple[str, str]:
    """(user, password) of a Basic header's value; empty when it does not decode."""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


def _body(request: Request) -> dict[str, Any]:
    """The JSON object of a POST or PATCH (empty: ``{}``); 400 InvalidRequestBody otherwise."""
    if not request.raw.strip():
        return {}
    try:
        decoded = json.loads(request.raw)
    except (UnicodeDecodeError, ValueError) as exc:
        body = error("InvalidRequestBody", "The request could not be parsed as JSON.")
        body["_embedded"] = {"details": {"parseError": str(exc)}}
        raise ApiError(body) from None
    if not isinstance(decoded, dict):
        raise ApiError.of("InvalidRequestBody", "The request body was not a single JSON object.")
    return decoded
