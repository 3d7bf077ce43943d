"""What the routes share: settings, the direct-task parts, the engine client and the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from core.camunda import EngineAdmin
from core.config import AppSettings
from core.intake import DirectIntake, DirectStore, TopicCatalog
from core.ledger import Ledger


@dataclass(frozen=True)
class ApiContext:
    settings: AppSettings
    intake: DirectIntake
    records: DirectStore
    catalog: TopicCatalog
    ledger: Ledger
    engine: EngineAdmin


def context_of(request: Request) -> ApiContext:
    """A FastAPI dependency: the context the app was built with."""
    found: ApiContext = request.app.state.context
    return found
