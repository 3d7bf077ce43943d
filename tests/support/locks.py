"""Reading an external task's lock expiry from the engine, to prove a lock is kept alive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.camunda import CamundaClient


def lock_expiry(camunda: CamundaClient, instance_id: str, activity_id: str | None = None) -> datetime | None:
    """The lock expiry of the instance's (or one activity's) external task, if one is locked."""
    filters: dict[str, Any] = {"processInstanceId": instance_id}
    if activity_id:
        filters["activityId"] = activity_id
    tasks = camunda.list_external_tasks(**filters)
    raw = tasks[0].get("lockExpirationTime") if tasks else None
    return datetime.fromisoformat(raw.replace("+0000", "+00:00")) if raw else None


def lock_moved(camunda: CamundaClient, instance_id: str, since: datetime | None, seconds: float) -> bool:
    now = lock_expiry(camunda, instance_id)
    return since is not None and now is not None and (now - since).total_seconds() > seconds
