"""StormBPMN's public API (``/public-api/v1``, header ``X-Api-Key``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from camunda_sync.config.models import StormSettings
from camunda_sync.errors import StormResponseError, SyncConfigError
from camunda_sync.storm.http import StormHttp
from camunda_sync.storm.limiter import RateLimiter
from camunda_sync.storm.models import Assignee, Diagram, DiagramSummary
from core.redact import register_secret


class PublicStormClient:
    """Diagram list (pages of 20, 0-based) and diagrams with their XML ``body``."""

    def __init__(
        self,
        settings: StormSettings,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        if settings.api_key is None:
            raise SyncConfigError(
                "STORMBPMN_API_KEY is not set", key="stormbpmn.api_key", source="environment"
            )
        key = settings.api_key.get_secret_value()
        register_secret(key)
        root = settings.base_url.rstrip("/") + "/public-api/v1"
        self._http = StormHttp(root, {"X-Api-Key": key}, settings, session=session, limiter=limiter)

    def list_page(self, page: int) -> tuple[list[DiagramSummary], int]:
        """One page of the list and the total number of diagrams."""
        data = self._http.get_json("/get-diagram-list", {"page": page})
        items = _items(data, "returnDiagrams")
        return [DiagramSummary.from_json(item) for item in items], int(data.get("totalElements") or 0)

    def list_diagrams(self) -> Iterator[DiagramSummary]:
        page, seen = 0, 0
        while True:
            items, total = self.list_page(page)
            yield from items
            seen += len(items)
            if not items or seen >= total:
                return
            page += 1

    def get_diagram(self, diagram_id: str) -> Diagram:
        data = self._http.get_json("/get-diagram-by-id", {"diagramId": diagram_id})
        return _diagram(data, diagram_id)

    def get_assignees(self, diagram_id: str) -> dict[str, list[Assignee]]:
        return {}  # the public API has no assignees; lane names are the only signal


def _items(data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise StormResponseError(f"StormBPMN diagram list without {key!r}")
    return [item for item in items if isinstance(item, dict) and item.get("id")]


def _diagram(data: Any, diagram_id: str) -> Diagram:
    if not isinstance(data, dict):
        raise StormResponseError(f"StormBPMN diagram {diagram_id}: unexpected answer")
    try:
        return Diagram.from_json(data)
    except (KeyError, ValueError) as err:
        raise StormResponseError(f"StormBPMN diagram {diagram_id}: {err}") from None
