"""The engine's operator side: deployments, instances, variables, history, incidents, task lists.

Tools, camunda_sync and the tests use it; the services see the engine through
:class:`~core.camunda.port.EnginePort` instead. Errors come back as the kernel's Camunda
exceptions (:mod:`core.errors`): unreachable engine → ``CamundaUnavailable``; 404 →
``CamundaNotFound``; 400 on a task command → ``CamundaConflict``; else ``CamundaRequestError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.camunda.http import EngineHttp, MultipartFields
from core.camunda.settings import CamundaSettings
from core.camunda.variables import FileRef, decode_variables, encode_variables


class EngineAdmin:
    """Client for ``/engine-rest`` minus the task commands.

    Implements :class:`~core.camunda.port.TaskHistory`.
    """

    def __init__(self, settings: CamundaSettings) -> None:
        self.settings = settings
        self._http = EngineHttp(settings)

    def close(self) -> None:
        self._http.close()

    # -- engine ---------------------------------------------------------------------------

    def version(self) -> str:
        return str(self._http.get_json("/version")["version"])

    # -- external tasks -------------------------------------------------------------------

    def lock(self, task_id: str, worker_id: str, lock_duration_ms: int) -> None:
        body = {"workerId": worker_id, "lockDuration": lock_duration_ms}
        self._http.request("POST", f"/external-task/{task_id}/lock", json=body, task_command=True)

    def set_retries(self, task_id: str, retries: int) -> None:
        self._http.request("PUT", f"/external-task/{task_id}/retries", json={"retries": retries})

    def unlock(self, task_id: str) -> None:
        """Clear the task's worker and lock so any worker can fetch it again (wakes long polls)."""
        self._http.request("POST", f"/external-task/{task_id}/unlock")

    def get_external_task(self, task_id: str) -> dict[str, Any]:
        return dict(self._http.get_json(f"/external-task/{task_id}"))

    def list_external_tasks(self, *, max_results: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        params = {"maxResults": max_results} if max_results is not None else None
        return list(self._http.request("POST", "/external-task", json=filters, params=params).json())

    def count_external_tasks(self, **filters: Any) -> int:
        return int(self._http.request("POST", "/external-task/count", json=filters).json()["count"])

    def error_details(self, task_id: str) -> str | None:
        response = self._http.request(
            "GET", f"/external-task/{task_id}/errorDetails", headers={"Accept": "text/plain"}
        )
        return response.text if response.status_code == 200 else None

    # -- definitions and deployments ------------------------------------------------------

    def process_definition_xml(self, definition_id: str) -> str:
        return str(self._http.get_json(f"/process-definition/{definition_id}/xml")["bpmn20Xml"])

    def process_definition_xml_by_key(self, key: str, tenant_id: str | None = None) -> str:
        path = f"/process-definition/key/{key}" + (f"/tenant-id/{tenant_id}" if tenant_id else "")
        return str(self._http.get_json(path + "/xml")["bpmn20Xml"])

    def list_process_definitions(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._http.get_json("/process-definition", filters))

    def process_definition_statistics(self) -> list[dict[str, Any]]:
        """Running instances and open incidents (by type) of every deployed definition version."""
        return list(self._http.get_json("/process-definition/statistics", {"incidents": "true"}))

    def create_deployment(
        self,
        name: str,
        files: Mapping[str, bytes],
        *,
        source: str | None = None,
        tenant_id: str | None = None,
        deploy_changed_only: bool = False,
        enable_duplicate_filtering: bool = False,
    ) -> dict[str, Any]:
        """Deploy resources (multipart); returns the engine's deployment JSON."""
        options = {
            "deployment-source": source,
            "tenant-id": tenant_id,
            "deploy-changed-only": "true" if deploy_changed_only else None,
            "enable-duplicate-filtering": "true" if enable_duplicate_filtering else None,
        }
        fields: MultipartFields = [
            ("deployment-name", name),
            *((option, value) for option, value in options.items() if value),
            *((filename, (filename, data, "application/octet-stream")) for filename, data in files.items()),
        ]
        return dict(self._http.request("POST", "/deployment/create", files=fields).json())

    def delete_deployment(self, deployment_id: str, *, cascade: bool = True) -> None:
        self._http.request("DELETE", f"/deployment/{deployment_id}", params={"cascade": str(cascade).lower()})

    def list_deployments(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._http.get_json("/deployment", filters))

    # -- process instances ----------------------------------------------------------------

    def start_process_instance(
        self,
        key: str,
        *,
        business_key: str | None = None,
        variables: Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> dict[str, Any]:
        path = f"/process-definition/key/{key}" + (f"/tenant-id/{tenant_id}" if tenant_id else "") + "/start"
        body: dict[str, Any] = {"variables": encode_variables(variables or {})}
        if business_key:
            body["businessKey"] = business_key
        return dict(self._http.request("POST", path, json=body).json())

    def get_process_instance(self, instance_id: str) -> dict[str, Any]:
        """A running (or suspended) instance; 404 once it has ended."""
        return dict(self._http.get_json(f"/process-instance/{instance_id}"))

    def activity_instance_tree(self, instance_id: str) -> dict[str, Any]:
        """Where a running instance stands: the root activity instance and its children."""
        return dict(self._http.get_json(f"/process-instance/{instance_id}/activity-instances"))

    def list_process_instances(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._http.request("POST", "/process-instance", json=filters).json())

    def count_process_instances(self, **filters: Any) -> int:
        return int(self._http.request("POST", "/process-instance/count", json=filters).json()["count"])

    def delete_process_instance(self, instance_id: str, *, reason: str | None = None) -> None:
        """Delete at once. The engine's DELETE takes no reason (``deleteReason`` is ignored, history
        shows none); :meth:`delete_process_instances_async` records one."""
        params = {"skipCustomListeners": "true"}
        if reason:
            params["deleteReason"] = reason
        self._http.request("DELETE", f"/process-instance/{instance_id}", params=params)

    def delete_process_instances_async(self, instance_ids: list[str], *, reason: str) -> dict[str, Any]:
        """Delete with a reason the history keeps: a batch the job executor runs (usually well
        under a second); returns the batch."""
        body = {"processInstanceIds": instance_ids, "deleteReason": reason, "skipCustomListeners": True}
        return dict(self._http.request("POST", "/process-instance/delete", json=body).json())

    def suspend_process_instance(self, instance_id: str, suspended: bool = True) -> None:
        self._http.request("PUT", f"/process-instance/{instance_id}/suspended", json={"suspended": suspended})

    def process_instance_variables(self, instance_id: str) -> dict[str, Any]:
        raw = self._http.get_json(
            f"/process-instance/{instance_id}/variables", {"deserializeValues": "false"}
        )
        return decode_variables(raw, instance_id)

    def raw_process_instance_variables(self, instance_id: str) -> dict[str, Any]:
        """Variables with their engine types, as the engine stores them."""
        return dict(
            self._http.get_json(f"/process-instance/{instance_id}/variables", {"deserializeValues": "false"})
        )

    def download_file(self, ref: FileRef) -> bytes:
        """The content of a File variable (read lazily, only when a handler needs it)."""
        path = f"/process-instance/{ref.process_instance_id}/variables/{ref.name}/data"
        return self._http.request("GET", path).content

    # -- history and incidents ------------------------------------------------------------

    def list_incidents(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._http.get_json("/incident", filters))

    def get_incident(self, incident_id: str) -> dict[str, Any]:
        return dict(self._http.get_json(f"/incident/{incident_id}"))

    def history_incidents(self, process_instance_id: str) -> list[dict[str, Any]]:
        """Open, resolved and deleted incidents of one instance, oldest first."""
        params = {"processInstanceId": process_instance_id, "sortBy": "createTime", "sortOrder": "asc"}
        return list(self._http.get_json("/history/incident", params))

    def history_process_instances(
        self, *, first_result: int | None = None, max_results: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Instances running or finished; ``first_result``/``max_results`` page through them."""
        paging = {"firstResult": first_result, "maxResults": max_results}
        params = {name: value for name, value in paging.items() if value is not None}
        return list(
            self._http.request("POST", "/history/process-instance", json=filters, params=params).json()
        )

    def count_history_process_instances(self, **filters: Any) -> int:
        return int(
            self._http.request("POST", "/history/process-instance/count", json=filters).json()["count"]
        )

    def history_process_instance(self, instance_id: str) -> dict[str, Any]:
        """One instance, running or finished; 404 when the engine never had it (or cleaned it up)."""
        return dict(self._http.get_json(f"/history/process-instance/{instance_id}"))

    def history_activity_instances(self, process_instance_id: str) -> list[dict[str, Any]]:
        """Every activity instance of one process instance in the order they happened.

        ``occurrence`` orders by start time and then the engine's sequence counter, so a start
        event and the task after it, begun in the same millisecond, keep their order."""
        params = {"processInstanceId": process_instance_id, "sortBy": "occurrence", "sortOrder": "asc"}
        return list(self._http.get_json("/history/activity-instance", params))

    def external_task_log(self, external_task_id: str) -> list[dict[str, Any]]:
        """The audit log of one external task: creation, failure, success and deletion entries."""
        return list(self._http.get_json("/history/external-task-log", {"externalTaskId": external_task_id}))

    def instance_external_task_log(self, process_instance_id: str) -> list[dict[str, Any]]:
        """The audit log of every external task of one instance, oldest first."""
        params = {"processInstanceId": process_instance_id, "sortBy": "timestamp", "sortOrder": "asc"}
        return list(self._http.get_json("/history/external-task-log", params))

    def history_activity_instances_of(
        self, process_instance_id: str, activity_id: str
    ) -> list[dict[str, Any]]:
        """The historic instances of one activity in one process instance, oldest first."""
        params = {
            "processInstanceId": process_instance_id,
            "activityId": activity_id,
            "sortBy": "startTime",
            "sortOrder": "asc",
        }
        return list(self._http.get_json("/history/activity-instance", params))

    def history_variables(self, process_instance_id: str) -> dict[str, Any]:
        """Variables of a (possibly finished) instance, typed, from history."""
        return decode_variables(self.raw_history_variables(process_instance_id), process_instance_id)

    def raw_history_variables(self, process_instance_id: str) -> dict[str, Any]:
        """Variables of a (possibly finished) instance from history, with their engine types."""
        rows = self._http.get_json(
            "/history/variable-instance",
            {"processInstanceId": process_instance_id, "deserializeValues": "false"},
        )
        return {
            row["name"]: {"type": row["type"], "value": row["value"], "valueInfo": row.get("valueInfo")}
            for row in rows
        }
