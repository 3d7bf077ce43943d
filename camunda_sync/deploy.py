"""Deployment to the engine: ``deployment/create`` and what it created (or "unchanged")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from camunda_sync.errors import DeploymentRejected
from camunda_sync.validate.engine_errors import issues_from_engine_error
from core.camunda.admin import EngineAdmin
from core.errors import CamundaRequestError


@dataclass(frozen=True)
class DeployedDefinition:
    id: str
    key: str
    version: int
    name: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeployedDefinition:
        return cls(str(data["id"]), str(data["key"]), int(data["version"]), data.get("name"))


@dataclass(frozen=True)
class DeployOutcome:
    name: str
    deployment_id: str
    definitions: list[DeployedDefinition] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        """With deploy-changed-only, an unchanged file deploys no new definition."""
        return not self.definitions

    def lines(self) -> list[str]:
        if self.unchanged:
            return [f"{self.name}: unchanged, no new process definition (deployment {self.deployment_id})"]
        return [
            f"{self.name}: {d.key} version {d.version} ({d.id}) in deployment {self.deployment_id}"
            for d in self.definitions
        ]


def deploy(
    client: EngineAdmin,
    name: str,
    files: Mapping[str, bytes],
    *,
    source: str | None = None,
    tenant_id: str | None = None,
    changed_only: bool = True,
) -> DeployOutcome:
    """Deploy ``files``; a refusal raises :class:`DeploymentRejected` with the engine's parse errors."""
    try:
        result = client.create_deployment(
            name, files, source=source, tenant_id=tenant_id, deploy_changed_only=changed_only
        )
    except CamundaRequestError as err:
        if err.status != 400:
            raise
        raise DeploymentRejected(
            f"the engine refused deployment {name!r}", issues_from_engine_error(err)
        ) from None
    definitions = [
        DeployedDefinition.from_json(item)
        for item in (result.get("deployedProcessDefinitions") or {}).values()
    ]
    outcome = DeployOutcome(name, str(result.get("id")), sorted(definitions, key=lambda d: d.key))
    logger.info("deployment {!r}: {}", name, "; ".join(outcome.lines()))
    return outcome
