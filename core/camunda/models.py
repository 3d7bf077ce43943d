"""What the engine returns for external tasks, as typed records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.camunda.variables import decode_variables, parse_date, variable_types


@dataclass(frozen=True)
class FetchTopic:
    """One topic of a fetchAndLock request; ``variables=None`` asks for all of them."""

    topic_name: str
    lock_duration_ms: int
    variables: Sequence[str] | None = None
    local_variables: bool = False
    process_definition_key_in: Sequence[str] = ()
    tenant_id_in: Sequence[str] = ()
    without_tenant_id: bool = False
    include_extension_properties: bool = True

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "topicName": self.topic_name,
            "lockDuration": self.lock_duration_ms,
            "includeExtensionProperties": self.include_extension_properties,
        }
        if self.variables is not None:
            body["variables"] = list(self.variables)
        if self.local_variables:
            body["localVariables"] = True
        if self.process_definition_key_in:
            body["processDefinitionKeyIn"] = list(self.process_definition_key_in)
        if self.tenant_id_in:
            body["tenantIdIn"] = list(self.tenant_id_in)
        if self.without_tenant_id:
            body["withoutTenantId"] = True
        return body


@dataclass(frozen=True)
class LockedTask:
    """An external task locked by this worker, with its variables already decoded."""

    id: str
    topic_name: str
    worker_id: str
    activity_id: str
    activity_instance_id: str | None
    execution_id: str | None
    process_instance_id: str
    process_definition_id: str
    process_definition_key: str
    process_definition_version_tag: str | None
    tenant_id: str | None
    business_key: str | None
    retries: int | None
    priority: int
    lock_expiration_time: datetime | None
    create_time: datetime | None
    error_message: str | None
    variables: Mapping[str, Any] = field(default_factory=dict)
    variable_types: Mapping[str, str] = field(default_factory=dict)
    extension_properties: Mapping[str, str] = field(default_factory=dict)
    # The engine's typed JSON, kept so a variable can be passed on without a lossy round trip.
    raw_variables: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> LockedTask:
        raw_variables = body.get("variables") or {}
        return cls(
            id=body["id"],
            topic_name=body["topicName"],
            worker_id=body.get("workerId") or "",
            activity_id=body.get("activityId") or "",
            activity_instance_id=body.get("activityInstanceId"),
            execution_id=body.get("executionId"),
            process_instance_id=body.get("processInstanceId") or "",
            process_definition_id=body.get("processDefinitionId") or "",
            process_definition_key=body.get("processDefinitionKey") or "",
            process_definition_version_tag=body.get("processDefinitionVersionTag"),
            tenant_id=body.get("tenantId"),
            business_key=body.get("businessKey"),
            retries=body.get("retries"),
            priority=int(body.get("priority") or 0),
            lock_expiration_time=_date_or_none(body.get("lockExpirationTime")),
            create_time=_date_or_none(body.get("createTime")),
            error_message=body.get("errorMessage"),
            variables=decode_variables(raw_variables, body.get("processInstanceId")),
            variable_types=variable_types(raw_variables),
            extension_properties=dict(body.get("extensionProperties") or {}),
            raw_variables=dict(raw_variables),
        )


def _date_or_none(value: str | None) -> datetime | None:
    return parse_date(value) if value else None
