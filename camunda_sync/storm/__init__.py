"""StormBPMN clients: the public API (API key) and, as an option, the internal one (token)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import requests

from camunda_sync.config.models import StormSettings
from camunda_sync.storm.internal import InternalStormClient
from camunda_sync.storm.limiter import LimiterState, LimiterStore, RateLimiter, persistent_limiter
from camunda_sync.storm.models import Assignee, Diagram, DiagramSummary
from camunda_sync.storm.public import PublicStormClient

__all__ = [
    "Assignee",
    "Diagram",
    "DiagramSource",
    "DiagramSummary",
    "InternalStormClient",
    "LimiterState",
    "LimiterStore",
    "PublicStormClient",
    "RateLimiter",
    "build_storm_client",
    "persistent_limiter",
]


class DiagramSource(Protocol):
    def list_diagrams(self) -> Iterator[DiagramSummary]: ...

    def get_diagram(self, diagram_id: str) -> Diagram: ...

    def get_assignees(self, diagram_id: str) -> dict[str, list[Assignee]]: ...


def build_storm_client(
    settings: StormSettings,
    session: requests.Session | None = None,
    limiter: RateLimiter | None = None,
) -> DiagramSource:
    """The client for ``settings.api``: ``public`` (default) or ``internal``."""
    if settings.api == "internal":
        return InternalStormClient(settings, session, limiter)
    return PublicStormClient(settings, session, limiter)
