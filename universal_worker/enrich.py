"""Builds the task message: the locked task plus what the BPMN says about its activity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.bpmn import ActivityMeta, BpmnModel
from core.camunda import LockedTask
from core.contracts import ActivityInfo, ExternalTaskInfo, ProcessInfo, RoutingInfo, TaskMessage
from core.contracts.base import TypedVariable


def activity_info(task: LockedTask, model: BpmnModel | None) -> ActivityInfo:
    meta = model.activity(task.process_definition_key, task.activity_id) if model else None
    properties = dict(meta.extension_properties) if meta else {}
    properties.update(task.extension_properties)  # the engine's view wins where both exist
    if meta is None:
        return ActivityInfo(
            id=task.activity_id, instance_id=task.activity_instance_id, extension_properties=properties
        )
    return ActivityInfo(
        id=meta.id,
        instance_id=task.activity_instance_id,
        name=meta.name,
        type=meta.type,
        documentation=meta.documentation,
        lane=meta.lane,
        participant=meta.participant,
        extension_properties=properties,
        input_parameters=_plain(meta.input_parameters),
        output_parameters=_plain(meta.output_parameters),
        caught_error_codes=list(meta.caught_error_codes),
        catches_all_errors=meta.catches_all_errors,
    )


def activity_meta(task: LockedTask, model: BpmnModel | None) -> ActivityMeta | None:
    return model.activity(task.process_definition_key, task.activity_id) if model else None


def process_info(task: LockedTask, model: BpmnModel | None) -> ProcessInfo:
    meta = model.processes.get(task.process_definition_key) if model else None
    return ProcessInfo(
        definition_id=task.process_definition_id,
        definition_key=task.process_definition_key,
        instance_id=task.process_instance_id,
        version_tag=task.process_definition_version_tag or (meta.version_tag if meta else None),
        name=meta.name if meta else None,
        documentation=meta.documentation if meta else None,
    )


def build_message(
    task: LockedTask,
    model: BpmnModel | None,
    *,
    message_id: str,
    trace_id: str,
    system: str,
    rule_index: int,
    lock_duration_ms: int,
) -> TaskMessage:
    """The versioned task message DESIGN describes, ready to validate and publish."""
    return TaskMessage(
        message_id=message_id,
        trace_id=trace_id,
        task=ExternalTaskInfo(
            id=task.id,
            topic=task.topic_name,
            worker_id=task.worker_id,
            lock_expires_at=task.lock_expiration_time,
            lock_duration_ms=lock_duration_ms,
            retries=task.retries,
            priority=task.priority,
            tenant_id=task.tenant_id,
            business_key=task.business_key,
            created_at=task.create_time,
        ),
        process=process_info(task, model),
        activity=activity_info(task, model),
        variables=_typed_variables(task),
        routing=RoutingInfo(system=system, routing_key=system, rule=rule_index),
        fetched_at=datetime.now(UTC),
    )


def _typed_variables(task: LockedTask) -> dict[str, TypedVariable]:
    """The variables exactly as the engine typed them (no decode/encode round trip)."""
    return {
        name: TypedVariable(
            type=body.get("type") or "Null", value=body.get("value"), valueInfo=body.get("valueInfo")
        )
        for name, body in task.raw_variables.items()
    }


def _plain(mapping: Any) -> dict[str, Any]:
    """BPMN parameter values (frozen mappings, tuples) as JSON-friendly data."""
    if isinstance(mapping, dict) or hasattr(mapping, "items"):
        return {str(k): _plain_value(v) for k, v in mapping.items()}
    return {}


def _plain_value(value: Any) -> Any:
    if hasattr(value, "items"):
        return {str(k): _plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    return value
