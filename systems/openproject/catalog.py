"""Types, priorities and statuses by name: the hrefs a work package links to.

A model names them as people do ("Task", "High", "Rejected"); the API wants
``/api/v3/types/1``. Each catalogue is one unpaginated ``GET /api/v3/<kind>``, cached for
``cache_ttl_s`` per process and read again at once when a name (or a status id) is not in it,
so a type an administrator adds today is found without a restart. Ids and hrefs are taken as
they are, without a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from core.errors import PermanentError
from systems.openproject.cache import Cache
from systems.openproject.client import OpenProjectClient
from systems.openproject.hal import id_of, resource_id

Kind = Literal["types", "priorities", "statuses"]


@dataclass(frozen=True)
class Entry:
    """One type, priority or status; ``closed`` is a status's ``isClosed``."""

    id: int
    name: str
    closed: bool = False


class Catalog:
    def __init__(
        self, client: OpenProjectClient, ttl_s: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self._cache: Cache[str, dict[int, Entry]] = Cache(ttl_s, clock)

    def entries(self, kind: Kind, *, fresh: bool = False) -> dict[int, Entry]:
        return self._cache.get(kind, lambda: self._load(kind), fresh=fresh)

    def href(self, kind: Kind, value: Any, origin: str) -> str:
        """The href of ``value``: an id, an href, or a name (any case)."""
        text = str(value).strip()
        if (isinstance(value, int) and not isinstance(value, bool)) or text.isdigit():
            return self.client.href(kind, int(text))
        if text.startswith("/") and f"/{kind}/" in text and id_of(text) is not None:
            return text
        found = self._named(kind, text) or self._named(kind, text, fresh=True)
        if found is None:
            known = ", ".join(sorted(entry.name for entry in self.entries(kind).values()))
            raise PermanentError(
                f"openproject: {origin}: no {kind[:-1]} named {text[:60]!r} (known: {known})"
            )
        return self.client.href(kind, found.id)

    def status(self, reference: str | None) -> Entry | None:
        """The status an href points at; None when the server does not know it either."""
        status_id = id_of(reference)
        if status_id is None:
            return None
        found = self.entries("statuses").get(status_id)
        return found or self.entries("statuses", fresh=True).get(status_id)

    def _named(self, kind: Kind, name: str, *, fresh: bool = False) -> Entry | None:
        folded = name.casefold()
        return next(
            (e for e in self.entries(kind, fresh=fresh).values() if e.name.casefold() == folded), None
        )

    def _load(self, kind: Kind) -> dict[int, Entry]:
        loaded: dict[int, Entry] = {}
        for element in self.client.listing(kind):
            element_id = resource_id(element)
            if element_id is not None:
                name = str(element.get("name") or element_id)
                loaded[element_id] = Entry(element_id, name, element.get("isClosed") is True)
        return loaded
