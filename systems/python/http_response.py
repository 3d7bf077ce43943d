"""An HTTP answer turned into the task's outcome: variables, a retry, or an incident.

2xx and the configured ``ok_statuses`` complete the task; 429 and 503 retry after the
server's ``Retry-After``; other 5xx retry; 3xx (redirects are not followed) and other 4xx
are permanent, with a short body excerpt whose secrets are masked.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from core.actions.outcomes import Complete, complete
from core.errors import HandlerError, PermanentError, RetryableError
from core.http.retry_after import retry_after_s
from core.paths import MISSING, get_path
from core.redact import MASK, redact

BODY_VARIABLE_LIMIT = 64 * 1024
EXCERPT_CHARS = 200
DETAILS_CHARS = 2000
RETRY_STATUSES = frozenset({429, 503})
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_SECONDS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class HttpResult:
    """What came back: status, headers (case-insensitive mapping) and the raw body."""

    status: int
    headers: Mapping[str, str]
    content: bytes

    @cached_property
    def charset(self) -> str:
        match = _CHARSET.search(self.headers.get("Content-Type", ""))
        name = match.group(1) if match else "utf-8"
        try:
            return codecs.lookup(name).name
        except LookupError:
            return "utf-8"

    @cached_property
    def text(self) -> str:
        return self.content.decode(self.charset, errors="replace")

    @cached_property
    def document(self) -> Any:
        """The body parsed as JSON, or ``MISSING`` when it is not JSON."""
        looks_json = "json" in self.headers.get("Content-Type", "").lower()
        if not self.content or not (looks_json or self.text.lstrip()[:1] in ("{", "[")):
            return MISSING
        try:
            return json.loads(self.content)
        except ValueError:
            return MISSING

    @property
    def truncated(self) -> bool:
        return len(self.content) > BODY_VARIABLE_LIMIT

    def body_value(self) -> Any:
        """Parsed JSON or text for a variable; over 64 KB, the first 64 KB as text."""
        if not self.content:
            return None
        if self.truncated:  # cut JSON is no longer JSON: hand over the text
            return self.content[:BODY_VARIABLE_LIMIT].decode(self.charset, errors="ignore")
        return self.text if self.document is MISSING else self.document


def outcome_for(
    result: HttpResult,
    *,
    ok_statuses: frozenset[int],
    response_map: Mapping[str, str] | None,
    where: str,
    secrets: Iterable[str] = (),
) -> Complete:
    """Complete with the mapped variables, or raise the error the status calls for."""
    if 200 <= result.status < 300 or result.status in ok_statuses:
        if response_map is None:
            return complete({"http_status": result.status, "http_body": result.body_value()})
        return complete({name: extract(result, path, where) for name, path in response_map.items()})
    raise error_for(result, where, secrets)


def extract(result: HttpResult, path: str, where: str) -> Any:
    """``$status``, ``$body``, ``$headers.<Name>`` or a dotted path into the JSON body (absent → null)."""
    if path == "$status":
        return result.status
    if path == "$body":
        return result.body_value()
    if path.startswith("$headers."):
        return result.headers.get(path.removeprefix("$headers."))
    if result.document is MISSING:
        raise PermanentError(f"{where}: http.response reads {path!r} but the answer is not JSON")
    value = get_path(result.document, path)
    return None if value is MISSING else value


def error_for(result: HttpResult, where: str, secrets: Iterable[str] = ()) -> HandlerError:
    """The error for a status that does not complete the task."""
    status = result.status
    if status in RETRY_STATUSES or status >= 500:
        retry_after = retry_after_s(result.headers)
        return RetryableError(f"{where} answered HTTP {status}", retry_after=retry_after)
    if 300 <= status < 400:
        return PermanentError(f"{where} answered HTTP {status}; redirects are not followed, fix http.url")
    excerpt = scrub(result.text[:DETAILS_CHARS], secrets)
    message = f"{where} answered HTTP {status}"
    return PermanentError(f"{message}: {excerpt[:EXCERPT_CHARS]}" if excerpt else message, details=excerpt)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Mask the request's own secret header values (servers echo them) and known patterns."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return redact(text)
