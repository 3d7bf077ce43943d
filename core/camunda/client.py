"""The engine's REST API as Python methods, on one pooled keep-alive session.

One method per remote call. Errors come back as the kernel's Camunda exceptions
(:mod:`core.errors`): unreachable engine → ``CamundaUnavailable``; 404 → ``CamundaNotFound``;
400 on a task command → ``CamundaConflict``; anything else → ``CamundaRequestError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from core.camunda.http import build_session, raise_for_engine_error, request_verify
from core.camunda.models import FetchTopic, LockedTask
from core.camunda.settings import CamundaSettings
from core.camunda.variables import FileRef, decode_variables, encode_variables
from core.errors import CamundaUnavailable

# A long poll's HTTP read timeout sits this far above asyncResponseTimeout, so a silently
# dead connection is noticed instead of hanging the fetch loop forever.
LONG_POLL_MARGIN_S = 10.0


class CamundaClient:
    """Client for ``/engine-rest``; pass a ``session`` to share or stub the HTTP layer."""

    def __init__(self, settings: CamundaSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._session = session or build_session(settings)
        self._verify = request_verify(settings)

    def close(self) -> None:
        self._session.close()

    # -- plumbing -----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        read_timeout: float | None = None,
        task_command: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        timeout = (self.settings.connect_timeout_s, read_timeout or self.settings.read_timeout_s)
        try:
            response = self._session.request(
                method,
                self.settings.root + path,
                json=json,
                params=params,
                files=files,
                timeout=timeout,
                headers=headers,
                # Per request: a session given from outside may still trust the environment,
                # and requests would let REQUESTS_CA_BUNDLE override the session's bundle.
                verify=self._verify,
            )
        except (requests.ConnectionError, requests.Timeout) as err:
            raise CamundaUnavailable(
                f"engine at {self.settings.root} unreachable: {type(err).__name__}"
            ) from err
        raise_for_engine_error(response, task_command=task_command)
        return response

    def _get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=params).json()

    # -- engine ---------------------------------------------------------------------------

    def version(self) -> str:
        return str(self._get_json("/version")["version"])

    # -- external tasks -------------------------------------------------------------------

    def fetch_and_lock(
        self,
        worker_id: str,
        topics: Sequence[FetchTopic],
        *,
        max_tasks: int,
        async_response_timeout_ms: int | None = None,
        use_priority: bool = True,
    ) -> list[LockedTask]:
        """Lock up to ``max_tasks`` tasks; with a timeout this is a long poll that returns early."""
        body: dict[str, Any] = {
            "workerId": worker_id,
            "maxTasks": max_tasks,
            "usePriority": use_priority,
            "topics": [topic.to_json() for topic in topics],
        }
        read_timeout = None
        if async_response_timeout_ms:
            body["asyncResponseTimeout"] = async_response_timeout_ms
            read_timeout = async_response_timeout_ms / 1000 + LONG_POLL_MARGIN_S
        response = self._request("POST", "/external-task/fetchAndLock", json=body, read_timeout=read_timeout)
        return [LockedTask.from_json(item) for item in response.json()]

    def complete(
        self,
        task_id: str,
        worker_id: str,
        variables: Mapping[str, Any] | None = None,
        local_variables: Mapping[str, Any] | None = None,
    ) -> None:
        body: dict[str, Any] = {"workerId": worker_id, "variables": encode_variables(variables or {})}
        if local_variables:
            body["localVariables"] = encode_variables(local_variables)
        self._request("POST", f"/external-task/{task_id}/complete", json=body, task_command=True)

    def failure(
        self,
        task_id: str,
        worker_id: str,
        *,
        error_message: str,
        error_details: str | None = None,
        retries: int = 0,
        retry_timeout_ms: int = 0,
    ) -> None:
        """Report a failure; ``retries=0`` raises an incident an operator can retry."""
        body = {
            "workerId": worker_id,
            "errorMessage": error_message[:4000],
            "errorDetails": error_details,
            "retries": max(retries, 0),
            "retryTimeout": max(retry_timeout_ms, 0),
        }
        self._request("POST", f"/external-task/{task_id}/failure", json=body, task_command=True)

    def bpmn_error(
        self,
        task_id: str,
        worker_id: str,
        *,
        error_code: str,
        error_message: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        body = {
            "workerId": worker_id,
            "errorCode": error_code,
            "errorMessage": error_message,
            "variables": encode_variables(variables or {}),
        }
        self._request("POST", f"/external-task/{task_id}/bpmnError", json=body, task_command=True)

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        body = {"workerId": worker_id, "newDuration": new_duration_ms}
        self._request("POST", f"/external-task/{task_id}/extendLock", json=body, task_command=True)

    def lock(self, task_id: str, worker_id: str, lock_duration_ms: int) -> None:
        body = {"workerId": worker_id, "lockDuration": lock_duration_ms}
        self._request("POST", f"/external-task/{task_id}/lock", json=body, task_command=True)

    def unlock(self, task_id: str) -> None:
        self._request("POST", f"/external-task/{task_id}/unlock")

    def set_retries(self, task_id: str, retries: int) -> None:
        self._request("PUT", f"/external-task/{task_id}/retries", json={"retries": retries})

    def get_external_task(self, task_id: str) -> dict[str, Any]:
        return dict(self._get_json(f"/external-task/{task_id}"))

    def list_external_tasks(self, *, max_results: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        params = {"maxResults": max_results} if max_results is not None else None
        return list(self._request("POST", "/external-task", json=filters, params=params).json())

    def count_external_tasks(self, **filters: Any) -> int:
        return int(self._request("POST", "/external-task/count", json=filters).json()["count"])

    def topic_names(self, *, with_locked: bool | None = None, with_unlocked: bool | None = None) -> list[str]:
        params = {}
        if with_locked is not None:
            params["withLockedTasks"] = str(with_locked).lower()
        if with_unlocked is not None:
            params["withUnlockedTasks"] = str(with_unlocked).lower()
        return list(self._get_json("/external-task/topic-names", params))

    def error_details(self, task_id: str) -> str | None:
        response = self._request(
            "GET", f"/external-task/{task_id}/errorDetails", headers={"Accept": "text/plain"}
        )
        return response.text if response.status_code == 200 else None

    # -- definitions and deployments ------------------------------------------------------

    def process_definition_xml(self, definition_id: str) -> str:
        return str(self._get_json(f"/process-definition/{definition_id}/xml")["bpmn20Xml"])

    def process_definition_xml_by_key(self, key: str, tenant_id: str | None = None) -> str:
        path = f"/process-definition/key/{key}" + (f"/tenant-id/{tenant_id}" if tenant_id else "")
        return str(self._get_json(path + "/xml")["bpmn20Xml"])

    def list_process_definitions(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._get_json("/process-definition", filters))

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
        fields: list[tuple[str, Any]] = [("deployment-name", (None, name))]
        if source:
            fields.append(("deployment-source", (None, source)))
        if tenant_id:
            fields.append(("tenant-id", (None, tenant_id)))
        if deploy_changed_only:
            fields.append(("deploy-changed-only", (None, "true")))
        if enable_duplicate_filtering:
            fields.append(("enable-duplicate-filtering", (None, "true")))
        fields += [
            (filename, (filename, data, "application/octet-stream")) for filename, data in files.items()
        ]
        return dict(self._request("POST", "/deployment/create", files=fields).json())

    def delete_deployment(self, deployment_id: str, *, cascade: bool = True) -> None:
        self._request("DELETE", f"/deployment/{deployment_id}", params={"cascade": str(cascade).lower()})

    def list_deployments(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._get_json("/deployment", filters))

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
        return dict(self._request("POST", path, json=body).json())

    def list_process_instances(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._request("POST", "/process-instance", json=filters).json())

    def count_process_instances(self, **filters: Any) -> int:
        return int(self._request("POST", "/process-instance/count", json=filters).json()["count"])

    def delete_process_instance(self, instance_id: str, *, reason: str | None = None) -> None:
        params = {"skipCustomListeners": "true"}
        if reason:
            params["deleteReason"] = reason
        self._request("DELETE", f"/process-instance/{instance_id}", params=params)

    def suspend_process_instance(self, instance_id: str, suspended: bool = True) -> None:
        self._request("PUT", f"/process-instance/{instance_id}/suspended", json={"suspended": suspended})

    def process_instance_variables(self, instance_id: str) -> dict[str, Any]:
        raw = self._get_json(f"/process-instance/{instance_id}/variables", {"deserializeValues": "false"})
        return decode_variables(raw, instance_id)

    def raw_process_instance_variables(self, instance_id: str) -> dict[str, Any]:
        """Variables with their engine types, as the engine stores them."""
        return dict(
            self._get_json(f"/process-instance/{instance_id}/variables", {"deserializeValues": "false"})
        )

    def download_file(self, ref: FileRef) -> bytes:
        """The content of a File variable (read lazily, only when a handler needs it)."""
        path = f"/process-instance/{ref.process_instance_id}/variables/{ref.name}/data"
        return self._request("GET", path).content

    # -- history and incidents ------------------------------------------------------------

    def list_incidents(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._get_json("/incident", filters))

    def history_process_instances(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self._request("POST", "/history/process-instance", json=filters).json())

    def history_activity_instances(self, process_instance_id: str) -> list[dict[str, Any]]:
        return list(self._get_json("/history/activity-instance", {"processInstanceId": process_instance_id}))

    def external_task_log(self, external_task_id: str) -> list[dict[str, Any]]:
        """The audit log of one external task: creation, failure, success and deletion entries."""
        return list(self._get_json("/history/external-task-log", {"externalTaskId": external_task_id}))

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
        return list(self._get_json("/history/activity-instance", params))

    def history_variables(self, process_instance_id: str) -> dict[str, Any]:
        """Variables of a (possibly finished) instance, typed, from history."""
        rows = self._get_json(
            "/history/variable-instance",
            {"processInstanceId": process_instance_id, "deserializeValues": "false"},
        )
        raw = {
            row["name"]: {"type": row["type"], "value": row["value"], "valueInfo": row.get("valueInfo")}
            for row in rows
        }
        return decode_variables(raw, process_instance_id)
