"""A real deployment the engine parses and that is deleted at once: the engine's own verdict."""

from __future__ import annotations

import contextlib
import uuid

from loguru import logger

from camunda_sync.validate.engine_errors import issues_from_engine_error
from camunda_sync.validate.issues import Issue
from core.camunda.admin import EngineAdmin
from core.errors import CamundaNotFound, CamundaRequestError

TRIAL_SOURCE = "camunda-sync-trial"


def trial_deploy(
    client: EngineAdmin, data: bytes, *, resource_name: str, tenant_id: str | None = None
) -> list[Issue]:
    """The engine's parse errors for ``data``; an empty list when it would deploy."""
    name = f"{TRIAL_SOURCE}-{uuid.uuid4().hex[:12]}"
    resource = resource_name if resource_name.endswith((".bpmn", ".bpmn20.xml")) else f"{resource_name}.bpmn"
    try:
        deployment = client.create_deployment(
            name, {resource: data}, source=TRIAL_SOURCE, tenant_id=tenant_id
        )
    except CamundaRequestError as err:
        if err.status != 400:
            raise
        return issues_from_engine_error(err)
    with contextlib.suppress(CamundaNotFound):  # someone else cleaned up already
        client.delete_deployment(str(deployment["id"]), cascade=True)
    logger.debug("trial deployment {} accepted and deleted", name)
    return []
