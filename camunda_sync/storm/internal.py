"""StormBPMN's internal web API (``/api/v1``, bearer token): undocumented, but it has assignees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from camunda_sync.config.models import StormSettings
from camunda_sync.errors import StormResponseError, SyncConfigError
from camunda_sync.storm.http import StormHttp
from camunda_sync.storm.limiter import RateLimiter
from camunda_sync.storm.models import Assignee, Diagram, DiagramSummary, assignees_from_edges
from core.redact import register_secret

PAGE_SIZE = 20
FILTER = {
    "quality": "0,ge",
    "sharedByUser": "false",
    "sharedWithUser": "false",
    "view": "TEAM",
    "size": PAGE_SIZE,
    "sort": "updatedOn,desc",
}


class InternalStormClient:
    def __init__(
        self,
        settings: StormSettings,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        if settings.token is None:
            raise SyncConfigError("STORMBPMN_TOKEN is not set", key="stormbpmn.token", source="environment")
        token = settings.token.get_secret_value()
        register_secret(token)
        root = settings.base_url.rstrip("/") + "/api/v1"
        headers = {"Authorization": f"Bearer {token}"}
        self._http = StormHttp(root, headers, settings, session=session, limiter=limiter)

    def list_diagrams(self) -> Iterator[DiagramSummary]:
        page = 0
        while True:
            data = self._http.get_json("/diagram/filter", {**FILTER, "page": page})
            content = data.get("content") if isinstance(data, dict) else None
            if not isinstance(content, list):
                raise StormResponseError("StormBPMN diagram filter without 'content'")
            yield from (DiagramSummary.from_json(item) for item in content if isinstance(item, dict))
            pages = int(data.get("totalPages") or 0)
            page += 1
            if not content or page >= pages:
                return

    def get_diagram(self, diagram_id: str) -> Diagram:
        data = self._http.get_json(f"/diagram/{diagram_id}")
        inner = data.get("diagram") if isinstance(data, dict) else None
        if not isinstance(inner, dict):
            raise StormResponseError(f"StormBPMN diagram {diagram_id}: answer without 'diagram'")
        try:
            return Diagram.from_json(inner)
        except (KeyError, ValueError) as err:
            raise StormResponseError(f"StormBPMN diagram {diagram_id}: {err}") from None

    def get_assignees(self, diagram_id: str) -> dict[str, list[Assignee]]:
        data: Any = self._http.get_json(f"/assignee/assigneeedges/{diagram_id}")
        if not isinstance(data, list):
            raise StormResponseError(f"StormBPMN assignees of {diagram_id}: expected a list")
        return assignees_from_edges([edge for edge in data if isinstance(edge, dict)])
