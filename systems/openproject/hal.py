"""Reading HAL resources: links, ids from hrefs, and collection pages.

A resource links to others in ``_links`` (``{"status": {"href": "/api/v3/statuses/1",
"title": "New"}}``); an id is the last segment of its href. A collection is
``{"_type": "Collection", "total", "count", "pageSize", "offset", "_embedded": {"elements"}}``
where ``offset`` is the 1-based page number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

JsonMap = dict[str, Any]


def link(resource: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The link object ``_links[name]``, or an empty mapping."""
    links = resource.get("_links")
    found = links.get(name) if isinstance(links, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def href(resource: Mapping[str, Any], name: str) -> str | None:
    value = link(resource, name).get("href")
    return str(value) if value else None


def title(resource: Mapping[str, Any], name: str) -> str | None:
    value = link(resource, name).get("title")
    return str(value) if value else None


def id_of(reference: str | None) -> int | None:
    """``/api/v3/statuses/5`` → 5; None for anything else."""
    tail = (reference or "").rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def resource_id(resource: Mapping[str, Any]) -> int | None:
    """The resource's own id: its ``id`` property, else its self link."""
    value = resource.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return id_of(href(resource, "self"))


def moment(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``2024-05-01T10:00:00Z``) as an aware datetime; None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def elements(payload: Mapping[str, Any]) -> list[JsonMap]:
    embedded = payload.get("_embedded")
    found = embedded.get("elements") if isinstance(embedded, Mapping) else None
    return [dict(item) for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


@dataclass(frozen=True)
class Page:
    """One page of a collection."""

    elements: list[JsonMap]
    total: int
    page_size: int
    page: int

    @property
    def last(self) -> bool:
        """No page after this one (an empty page ends it too, whatever ``total`` says)."""
        return not self.elements or self.page * max(self.page_size, 1) >= self.total

    @classmethod
    def of(cls, payload: Mapping[str, Any], asked_page: int) -> Page:
        items = elements(payload)
        return cls(
            elements=items,
            total=_int(payload.get("total"), len(items)),
            page_size=_int(payload.get("pageSize"), len(items)),
            page=_int(payload.get("offset"), asked_page),
        )


def _int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default
