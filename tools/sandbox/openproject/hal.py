"""HAL+JSON plumbing: replies, the Error resource, hrefs and timestamps.

Every error is ``{"_type": "Error", "errorIdentifier": "urn:openproject-org:api:v3:errors:<Name>",
"message": ..., "_embedded": {"details": {"attribute": ...}}}``; several validation errors are one
``MultipleErrors`` (422) carrying them in ``_embedded.errors`` (reference §2, lib/api/errors).
The one exception is 406 for a missing Content-Type: OpenProject answers it in plain text
(docs/api/apiv3/components/responses/missing_content_type.yml).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

HAL = "application/hal+json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
API = "/api/v3"
URN = "urn:openproject-org:api:v3:errors:"
MULTIPLE = "Multiple field constraints have been violated."
HREF = re.compile(r"^(?:https?://[^/]+)?/api/v3/(?P<collection>[a-z_]+)/(?P<id>[^/?#]+)/?$")

# Status codes of the identifiers the sandbox sends (lib/api/errors/*.rb).
CODES = {
    "InvalidQuery": 400,
    "InvalidRequestBody": 400,
    "Unauthenticated": 401,
    "MissingPermission": 403,
    "NotFound": 404,
    "UpdateConflict": 409,
    "TypeNotSupported": 415,
    "PropertyConstraintViolation": 422,
    "PropertyIsReadOnly": 422,
    "PropertyFormatError": 422,
    "ResourceTypeMismatch": 422,
    "MultipleErrors": 422,
    "TooManyRequests": 429,
    "InternalServerError": 500,
}


@dataclass
class Reply:
    """One answer: a JSON body (or text, or None for 204), or ``drop``: close without answering."""

    status: int
    body: Any = None
    content_type: str = HAL
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def error(name: str, message: str, attribute: str | None = None) -> dict[str, Any]:
    """One Error resource; ``attribute`` names the property it is about."""
    body: dict[str, Any] = {"_type": "Error", "errorIdentifier": URN + name, "message": message}
    if attribute is not None:
        body["_embedded"] = {"details": {"attribute": attribute}}
    return body


def merged(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """One error as it is, several as ``MultipleErrors``."""
    if len(errors) == 1:
        return errors[0]
    return {**error("MultipleErrors", MULTIPLE), "_embedded": {"errors": errors}}


def status_of(body: dict[str, Any]) -> int:
    return CODES[str(body["errorIdentifier"]).removeprefix(URN)]


class ApiError(Exception):
    """An error answer raised from anywhere inside a request."""

    def __init__(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body["message"])
        self.body = body
        self.headers = headers or {}

    @classmethod
    def of(cls, name: str, message: str, attribute: str | None = None) -> ApiError:
        return cls(error(name, message, attribute))

    @classmethod
    def many(cls, errors: list[dict[str, Any]]) -> ApiError:
        return cls(merged(errors))

    def reply(self) -> Reply:
        return Reply(status_of(self.body), self.body, headers=self.headers)


def not_found(what: str | None = None) -> ApiError:
    message = (
        f"The specified {what} does not exist." if what else "The requested resource could not be found."
    )
    return ApiError.of("NotFound", message)


def link(collection: str, item_id: int | None, title: str | None = None) -> dict[str, Any]:
    """``{"href": "/api/v3/<collection>/<id>", "title": ...}``; ``{"href": null}`` when unset."""
    if item_id is None:
        return {"href": None}
    body: dict[str, Any] = {"href": f"{API}/{collection}/{item_id}"}
    if title is not None:
        body["title"] = title
    return body


def parse_href(href: str) -> tuple[str, str] | None:
    """``(collection, id)`` of an API href (relative or absolute), None when it is not one."""
    match = HREF.match(href)
    return (match["collection"], match["id"]) if match else None


def formattable(raw: str) -> dict[str, Any]:
    """A Formattable (description, comment): markdown ``raw`` and a plain ``html`` rendering."""
    paragraphs = [p for p in raw.split("\n\n") if p.strip()]
    rendered = "".join(f'<p class="op-uc-p">{html.escape(p)}</p>' for p in paragraphs)
    return {"format": "markdown", "raw": raw, "html": rendered}


def stamp(moment: float) -> str:
    """An ISO 8601 UTC timestamp with milliseconds, as the API writes them."""
    when = datetime.fromtimestamp(moment, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_stamp(text: str) -> float:
    """The moment of an ISO 8601 timestamp (ValueError when it is not one)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
