"""``http.request``: one templated HTTP call per task; its answer becomes result variables.

Settings come from ``http.*`` extension properties, overridden by a Json variable
``http_request`` (see :mod:`.http_config`). The URL, method, headers and body are templates
(:mod:`.templating`); values substituted into the URL are percent-encoded. The call goes
through the process's shared ``requests.Session`` with TLS verified (optionally against
``options["ca_bundle"]``), a timeout always set, redirects not followed (they would carry
API-key headers to another host) and the body read up to a size limit.

Secret headers (Authorization, X-Api-Key, anything naming a token, key, secret, password,
cookie or session) are never logged; their values are masked in error excerpts. Logged URLs
lose their query string and pass through :func:`core.redact.redact`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from loguru import logger

from core.actions.context import TaskContext
from core.actions.errors import SystemLoadError
from core.actions.outcomes import HandlerOutcome
from core.actions.router import TaskRouter
from core.errors import PermanentError, RetryableError, TransportFailure
from core.http import system_http
from core.http.client import TRANSPORT_ERRORS
from core.redact import redact
from core.templates import Scope, Template, render_json
from systems.python.http_config import HANDLER, HttpSettings, read_settings
from systems.python.http_response import HttpResult, outcome_for
from systems.python.properties import invalid, property_label
from systems.python.topics import add_topic

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
SECRET_HEADER = re.compile(r"auth|token|secret|api[-_]?key|password|cookie|session|signature", re.IGNORECASE)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    """Add ``http.request`` using ``options["session"]`` (a new session when absent)."""
    handler = HttpRequestHandler(
        options.get("session") or requests.Session(),
        verify=options.get("ca_bundle") or True,
        default_timeout_s=_positive_option(options, "http_timeout_s", DEFAULT_TIMEOUT_S),
        max_response_bytes=int(
            _positive_option(options, "http_max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES)
        ),
    )
    add_topic(router, HANDLER, handler)


def _positive_option(options: Mapping[str, Any], key: str, default: float) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SystemLoadError(
            f"options.{key} must be a positive number", key=key, source="config/systems.yaml"
        )
    return float(value)


@dataclass(frozen=True)
class OutgoingRequest:
    """A rendered call, ready to send."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None
    json_body: Any = None

    @property
    def where(self) -> str:
        """``http.request: GET https://host/path``: for logs and errors (no query, redacted)."""
        parts = urlsplit(self.url)
        return f"{HANDLER}: {self.method} {redact(urlunsplit((*parts[:3], '', '')))}"

    @property
    def secrets(self) -> list[str]:
        """Values of secret headers, whole and without their scheme (``Bearer <token>``)."""
        values = [v for k, v in self.headers.items() if SECRET_HEADER.search(k)]
        return values + [v.split(" ", 1)[1] for v in values if " " in v.strip()]


class HttpRequestHandler:
    """The ``http.request`` handler; one instance per process shares the session."""

    def __init__(
        self,
        session: requests.Session,
        *,
        verify: bool | str = True,
        default_timeout_s: float = DEFAULT_TIMEOUT_S,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.session = session
        self.verify = verify
        self.default_timeout_s = default_timeout_s
        self.max_response_bytes = max_response_bytes

    def __call__(self, ctx: TaskContext) -> HandlerOutcome:
        settings = read_settings(ctx, self.default_timeout_s)
        request = build_request(settings, Scope(ctx.variables, ctx.properties, activity=ctx.activity_label))
        started = time.monotonic()
        result = self.send(request, settings.timeout_s)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug("{} → HTTP {} in {:.0f} ms", request.where, result.status, elapsed_ms)
        if result.truncated and settings.response is None:
            logger.warning("{}: answer over 64 KB, http_body holds its first 64 KB as text", request.where)
        return outcome_for(
            result,
            ok_statuses=settings.ok_statuses,
            response_map=settings.response,
            where=request.where,
            secrets=request.secrets,
        )

    def send(self, request: OutgoingRequest, timeout_s: float) -> HttpResult:
        """Send and read the answer; network trouble is retryable, a malformed request is not.

        Each remote host has its own limits and circuit (core.http, with the python system's
        settings), so one failing host does not hold back calls to the others.
        """
        http = system_http(
            f"python http.request {_host(request.url)}", session=self.session, configured_as="python"
        )
        try:
            response = http.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.data,
                json=request.json_body,
                timeout=timeout_s,
                verify=self.verify if isinstance(self.verify, str) else None,
                allow_redirects=False,
                stream=True,
            )
        except TransportFailure as err:
            raise self._transport_error(request, err.__cause__, timeout_s) from None
        except PermanentError as err:  # invalid URL, header or body: retrying will not help
            raise PermanentError(f"{request.where} cannot be sent: {type(err.__cause__).__name__}") from None
        with response:
            try:
                return HttpResult(response.status_code, response.headers, self._read(response, request))
            except TRANSPORT_ERRORS as err:  # cut off while reading the answer
                raise self._transport_error(request, err, timeout_s) from None

    @staticmethod
    def _transport_error(
        request: OutgoingRequest, cause: BaseException | None, timeout_s: float
    ) -> RetryableError:
        # The exception text repeats the URL with its query: only the kind is reported.
        if isinstance(cause, requests.Timeout):
            return RetryableError(f"{request.where} timed out after {timeout_s:g} s")
        return RetryableError(f"{request.where} failed: {type(cause).__name__}")

    def _read(self, response: requests.Response, request: OutgoingRequest) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise PermanentError(f"{request.where}: answer larger than {self.max_response_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _host(url: str) -> str:
    """The host (and port) a URL names, without any user info."""
    return urlsplit(url).netloc.rpartition("@")[2] or "-"


def build_request(settings: HttpSettings, scope: Scope) -> OutgoingRequest:
    """Render the templates and check what they produced."""
    method = Template(settings.method, origin=_origin("http.method")).render(scope).strip().upper()
    if method not in METHODS:
        raise invalid(HANDLER, property_label("http.method"), f"must be one of {', '.join(sorted(METHODS))}")
    url = Template(settings.url, origin=_origin("http.url")).render(scope, escape=_encode)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = redact(settings.url)  # the template: no variable values in the message
        raise invalid(HANDLER, property_label("http.url"), f"must give an absolute http(s) URL: {shown!r}")
    headers = {name: _header(name, value, scope) for name, value in settings.headers.items()}
    if settings.body is None:
        return OutgoingRequest(method, url, headers)
    if settings.body_json:
        return OutgoingRequest(
            method, url, headers, json_body=render_json(settings.body, scope, _origin("http.body"))
        )
    body = Template(settings.body, origin=_origin("http.body")).render(scope)
    return OutgoingRequest(method, url, headers, data=body.encode("utf-8"))


def _header(name: str, template: str, scope: Scope) -> str:
    if not _HEADER_NAME.fullmatch(name):
        raise invalid(HANDLER, property_label("http.headers"), f"has an invalid header name {name[:40]!r}")
    value = Template(template, origin=_origin(f"header {name}")).render(scope)
    if "\r" in value or "\n" in value:  # header injection; the value itself stays out of the message
        raise invalid(HANDLER, f"header {name!r}", "renders to a value with a line break")
    return value


def _encode(text: str) -> str:
    """Percent-encode a value substituted into the URL (``/``, ``?``, ``&`` included)."""
    return quote(text, safe="")


def _origin(setting: str) -> str:
    return f"{HANDLER}: {setting}"
