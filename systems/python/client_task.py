"""The task object of ``camunda-external-task-client-python3``, rebuilt over a task message.

Handlers written for that library (``handler(task) -> task.complete(...)``) call these
methods with the same names, arguments and variable views as the library's ``ExternalTask``
(4.5.0); ``systems.python.client_handlers`` turns the recorded result into an outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from core.contracts import TaskMessage
from core.contracts.base import TypedVariable

ResultKind = Literal["empty", "complete", "failure", "bpmn_error"]


@dataclass
class ClientTaskResult:
    """What the handler asked for; the library's ``TaskResult`` with the same predicates."""

    task: ClientTask
    kind: ResultKind = "empty"
    global_variables: Mapping[str, Any] = field(default_factory=dict)
    local_variables: Mapping[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None
    error_details: Any = None
    max_retries: int = 0
    retry_timeout: int | None = None

    def is_success(self) -> bool:
        return self.kind == "complete"

    def is_failure(self) -> bool:
        return self.kind == "failure"

    def is_bpmn_error(self) -> bool:
        return self.kind == "bpmn_error"

    def get_task(self) -> ClientTask:
        return self.task


class ClientTask:
    """One external task as the library's handlers see it: ``get_variable``, ``complete``, …"""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self._context = context
        self._result = ClientTaskResult(self)

    def get_worker_id(self) -> Any:
        return self._context["workerId"]

    def get_process_instance_id(self) -> Any:
        return self._context["processInstanceId"]

    def get_task_id(self) -> Any:
        return self._context["id"]

    def get_activity_id(self) -> Any:
        return self._context["activityId"]

    def get_topic_name(self) -> Any:
        return self._context["topicName"]

    def get_tenant_id(self) -> Any:
        return self._context.get("tenantId")

    def get_business_key(self) -> Any:
        return self._context.get("businessKey")

    def get_variables(self) -> dict[str, Any]:
        return {name: body["value"] for name, body in self._context["variables"].items()}

    def get_variable(self, variable_name: str, with_meta: bool = False) -> Any:
        variable = self._context["variables"].get(variable_name)
        if not variable:
            return None
        return variable if with_meta else variable["value"]

    def get_extension_properties(self) -> dict[str, str]:
        return dict(self._context["extensionProperties"])

    def get_extension_property(self, property_name: str) -> str | None:
        found: str | None = self._context["extensionProperties"].get(property_name)
        return found

    def get_task_result(self) -> ClientTaskResult:
        return self._result

    def set_task_result(self, task_result: ClientTaskResult) -> None:
        self._result = task_result

    def complete(
        self,
        global_variables: Mapping[str, Any] | None = None,
        local_variables: Mapping[str, Any] | None = None,
    ) -> ClientTaskResult:
        self._result = ClientTaskResult(
            self, "complete", dict(global_variables or {}), dict(local_variables or {})
        )
        return self._result

    def failure(
        self, error_message: str, error_details: Any, max_retries: int, retry_timeout: int | None
    ) -> ClientTaskResult:
        self._result = ClientTaskResult(
            self,
            "failure",
            error_message=error_message,
            error_details=error_details,
            max_retries=max_retries,
            retry_timeout=retry_timeout,
        )
        return self._result

    def bpmn_error(
        self, error_code: str, error_message: str, variables: Mapping[str, Any] | None = None
    ) -> ClientTaskResult:
        self._result = ClientTaskResult(
            self, "bpmn_error", dict(variables or {}), error_code=error_code, error_message=error_message
        )
        return self._result

    def __str__(self) -> str:
        return f"{self._context}"


def client_context(message: TaskMessage, *, deserialize_values: bool = True) -> dict[str, Any]:
    """The fetchAndLock entry the library would have received for this task."""
    task, process, activity = message.task, message.process, message.activity
    return {
        "id": task.id,
        "workerId": task.worker_id,
        "topicName": task.topic,
        "activityId": activity.id,
        "activityInstanceId": activity.instance_id,
        "processInstanceId": process.instance_id,
        "processDefinitionId": process.definition_id,
        "processDefinitionKey": process.definition_key,
        "businessKey": task.business_key,
        "tenantId": task.tenant_id,
        "retries": task.retries,
        "priority": task.priority,
        "variables": {name: _engine_view(var, deserialize_values) for name, var in message.variables.items()},
        "extensionProperties": dict(activity.extension_properties),
    }


def _engine_view(variable: TypedVariable, deserialize_values: bool) -> dict[str, Any]:
    """The variable as the engine's REST API returns it (the library hands it on as is).

    With ``deserializeValues`` (the library's default) the engine sends an Object stored as
    JSON as data; a Json variable stays its text here (the engine would send the Spin node's
    bean properties instead, which no handler can use). Dates are the engine's date text.
    """
    info = dict(variable.valueInfo or {})
    value = variable.value
    json_object = str(info.get("serializationDataFormat", "")).startswith("application/json")
    if deserialize_values and variable.type == "Object" and json_object and isinstance(value, str):
        value = json.loads(value)
    return {"type": variable.type, "value": value, "valueInfo": info}
