"""The task message: a locked task plus what the BPMN says about its activity and process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from core.bpmn import BpmnModel, parse_bpmn
from core.camunda import LockedTask
from core.contracts import TaskMessage, parse_task_message
from core.contracts.base import TypedVariable
from tests.unit.fakes import engine_task
from universal_worker.enrich import build_message

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="defs" targetNamespace="http://exchanger.test">
  <bpmn:error id="err_phone" errorCode="NO_PHONE" name="No phone"/>
  <bpmn:error id="err_dup" errorCode="DUPLICATE" name="Duplicate"/>
  <bpmn:collaboration id="collab">
    <bpmn:participant id="pool" name="Shop" processRef="orders"/>
  </bpmn:collaboration>
  <bpmn:process id="orders" name="Заказы" isExecutable="true" camunda:versionTag="v7">
    <bpmn:documentation>Order handling</bpmn:documentation>
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_sales" name="Продажи">
        <bpmn:flowNodeRef>create_task</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:serviceTask id="create_task" name="Create a task" camunda:type="external" camunda:topic="bitrix.create">
      <bpmn:documentation>Opens a Bitrix24 task for the manager</bpmn:documentation>
      <bpmn:extensionElements>
        <camunda:properties>
          <camunda:property name="system" value="bitrix24"/>
          <camunda:property name="queue" value="sales"/>
        </camunda:properties>
        <camunda:inputOutput>
          <camunda:inputParameter name="title">${title}</camunda:inputParameter>
          <camunda:inputParameter name="tags">
            <camunda:list><camunda:value>urgent</camunda:value><camunda:value>b2b</camunda:value></camunda:list>
          </camunda:inputParameter>
          <camunda:outputParameter name="taskId">${bitrixTaskId}</camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:boundaryEvent id="on_phone" attachedToRef="create_task">
      <bpmn:errorEventDefinition errorRef="err_phone"/>
    </bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="on_dup" attachedToRef="create_task">
      <bpmn:errorEventDefinition errorRef="err_dup"/>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="catch_everything" camunda:type="external" camunda:topic="bitrix.any"/>
    <bpmn:boundaryEvent id="on_any" attachedToRef="catch_everything">
      <bpmn:errorEventDefinition/>
    </bpmn:boundaryEvent>
  </bpmn:process>
</bpmn:definitions>
"""

LONG_BEYOND_DOUBLE = 9_007_199_254_740_993  # 2**53 + 1: a float would change it
VARIABLES: dict[str, dict[str, Any]] = {
    "amount": {"type": "Long", "value": LONG_BEYOND_DOUBLE, "valueInfo": {}},
    "payload": {"type": "Json", "value": '{"items": [1, 2], "note": "ё"}', "valueInfo": {}},
    "contract": {
        "type": "File",
        "value": None,
        "valueInfo": {"filename": "contract.pdf", "mimeType": "application/pdf", "encoding": "UTF-8"},
    },
    "due": {"type": "Date", "value": "2025-03-01T10:00:00.000+0300", "valueInfo": {}},
    "customer": {"type": "String", "value": "ООО Ромашка", "valueInfo": {}},
    "nothing": {"type": "Null", "value": None, "valueInfo": {}},
    "legacy": {
        "type": "Object",
        "value": "rO0ABXQABWhlbGxv",
        "valueInfo": {"objectTypeName": "java.lang.String", "serializationDataFormat": "application/x-java"},
    },
}


@pytest.fixture(scope="module")
def model() -> BpmnModel:
    return parse_bpmn(BPMN, source="orders.bpmn")


def locked(**overrides: object) -> LockedTask:
    body = engine_task(
        "task-7",
        topic="bitrix.create",
        process_key="orders",
        definition_id="orders:3:def-1",
        activity_id="create_task",
        retries=2,
        tenant_id="acme",
        variables=VARIABLES,
        extension_properties={"queue": "vip", "engine_only": "yes"},
    )
    return LockedTask.from_json({**body, **overrides})


def build(task: LockedTask, model: BpmnModel | None) -> TaskMessage:
    return build_message(
        task,
        model,
        message_id="msg-1",
        trace_id="rec-1",
        system="bitrix24",
        rule_index=3,
        lock_duration_ms=600_000,
    )


# -- activity -------------------------------------------------------------------------------------------


def test_the_activity_carries_its_name_documentation_lane_and_pool(model: BpmnModel) -> None:
    activity = build(locked(), model).activity

    assert activity.id == "create_task"
    assert activity.instance_id == "create_task:act-1"
    assert activity.name == "Create a task"
    assert activity.type == "serviceTask"
    assert activity.documentation == "Opens a Bitrix24 task for the manager"
    assert activity.lane == "Продажи"
    assert activity.participant == "Shop"


def test_bpmn_properties_and_engine_properties_are_merged_with_the_engine_winning(model: BpmnModel) -> None:
    # Given the BPMN says queue=sales and the engine says queue=vip
    # When the message is built
    properties = build(locked(), model).activity.extension_properties

    # Then both sources are there and the engine's value wins where they overlap
    assert properties == {"system": "bitrix24", "queue": "vip", "engine_only": "yes"}


def test_input_and_output_parameters_become_plain_json_data(model: BpmnModel) -> None:
    activity = build(locked(), model).activity

    assert activity.input_parameters == {"title": "${title}", "tags": ["urgent", "b2b"]}
    assert activity.output_parameters == {"taskId": "${bitrixTaskId}"}
    json.dumps(activity.input_parameters)  # plain data, no frozen mappings or tuples


def test_the_error_codes_its_boundary_events_catch_are_listed(model: BpmnModel) -> None:
    activity = build(locked(), model).activity

    assert sorted(activity.caught_error_codes) == ["DUPLICATE", "NO_PHONE"]
    assert activity.catches_all_errors is False
    assert activity.catches("NO_PHONE") and not activity.catches("OTHER")


def test_a_catch_all_boundary_event_is_reported(model: BpmnModel) -> None:
    activity = build(locked(activityId="catch_everything", topicName="bitrix.any"), model).activity

    assert activity.catches_all_errors is True
    assert activity.catches("ANYTHING")


def test_without_a_model_the_activity_has_the_engine_facts_only() -> None:
    activity = build(locked(), None).activity

    assert activity.id == "create_task"
    assert activity.instance_id == "create_task:act-1"
    assert activity.name is None
    assert activity.caught_error_codes == []
    assert activity.extension_properties == {"queue": "vip", "engine_only": "yes"}


def test_an_activity_the_model_does_not_know_gets_the_engine_facts_only(model: BpmnModel) -> None:
    activity = build(locked(activityId="added_later"), model).activity

    assert activity.id == "added_later"
    assert activity.name is None
    assert activity.extension_properties == {"queue": "vip", "engine_only": "yes"}


# -- process ---------------------------------------------------------------------------------------------


def test_the_process_carries_its_name_documentation_and_version_tag(model: BpmnModel) -> None:
    process = build(locked(), model).process

    assert process.definition_id == "orders:3:def-1"
    assert process.definition_key == "orders"
    assert process.instance_id == "instance-1"
    assert process.name == "Заказы"
    assert process.documentation == "Order handling"
    assert process.version_tag == "v7"


def test_the_engines_version_tag_wins_over_the_bpmn(model: BpmnModel) -> None:
    process = build(locked(processDefinitionVersionTag="v8-engine"), model).process

    assert process.version_tag == "v8-engine"


# -- task, routing, variables -------------------------------------------------------------------------------


def test_the_task_and_routing_parts_come_from_the_lock_and_the_decision(model: BpmnModel) -> None:
    message = build(locked(), model)

    assert message.message_id == "msg-1"
    assert message.trace_id == "rec-1"
    assert message.task.id == "task-7"
    assert message.task.topic == "bitrix.create"
    assert message.task.worker_id == "worker-A"
    assert message.task.retries == 2
    assert message.task.priority == 5
    assert message.task.tenant_id == "acme"
    assert message.task.business_key == "order-42"
    assert message.task.lock_duration_ms == 600_000
    assert message.task.lock_expires_at == datetime(2025, 3, 1, 10, 1, tzinfo=UTC)
    assert message.routing.model_dump() == {"system": "bitrix24", "routing_key": "bitrix24", "rule": 3}


def test_variables_pass_through_exactly_as_the_engine_typed_them(model: BpmnModel) -> None:
    variables = build(locked(), model).variables

    assert variables["amount"] == TypedVariable(type="Long", value=LONG_BEYOND_DOUBLE, valueInfo={})
    assert variables["payload"].type == "Json"
    assert variables["payload"].value == '{"items": [1, 2], "note": "ё"}'  # still the string
    assert variables["contract"].type == "File"
    assert variables["contract"].valueInfo == VARIABLES["contract"]["valueInfo"]
    assert variables["due"].value == "2025-03-01T10:00:00.000+0300"
    assert variables["customer"].value == "ООО Ромашка"
    assert variables["nothing"].type == "Null"
    assert variables["legacy"].model_dump() == VARIABLES["legacy"]


def test_the_message_validates_and_survives_the_wire_unchanged(model: BpmnModel) -> None:
    # Given a message built from a realistic task
    message = build(locked(), model)

    # When it goes through JSON and is validated like a consumer does
    received = parse_task_message(message.to_json())

    # Then nothing is lost or retyped
    assert received == message
    assert isinstance(received.variables["amount"].value, int)
    assert received.variables["amount"].value == LONG_BEYOND_DOUBLE
    assert received.values()["payload"] == {"items": [1, 2], "note": "ё"}
    assert received.values()["due"] == datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
