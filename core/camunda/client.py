"""The full engine client: the admin calls plus the task commands of the worker and tracker.

One method per remote call, all through :class:`~core.camunda.http.EngineHttp`. The
services hold it as :class:`~core.camunda.port.EnginePort`; tools and tests use all of it.
Errors are those of :mod:`core.camunda.admin`; 400 on a task command → ``CamundaConflict``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.camunda.admin import EngineAdmin
from core.camunda.models import FetchTopic, LockedTask
from core.camunda.port import EnginePort, TaskHistory
from core.camunda.variables import encode_variables

# A long poll's HTTP read timeout sits this far above asyncResponseTimeout, so a silently
# dead connection is noticed instead of hanging the fetch loop forever.
LONG_POLL_MARGIN_S = 10.0


class CamundaClient(EngineAdmin):
    """Client for ``/engine-rest``; implements ``EnginePort`` and ``TaskHistory``."""

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
        response = self._http.request(
            "POST", "/external-task/fetchAndLock", json=body, read_timeout=read_timeout
        )
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
        self._http.request("POST", f"/external-task/{task_id}/complete", json=body, task_command=True)

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
        self._http.request("POST", f"/external-task/{task_id}/failure", json=body, task_command=True)

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
        self._http.request("POST", f"/external-task/{task_id}/bpmnError", json=body, task_command=True)

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        body = {"workerId": worker_id, "newDuration": new_duration_ms}
        self._http.request("POST", f"/external-task/{task_id}/extendLock", json=body, task_command=True)

    def topic_names(self, *, with_locked: bool | None = None, with_unlocked: bool | None = None) -> list[str]:
        params = {}
        if with_locked is not None:
            params["withLockedTasks"] = str(with_locked).lower()
        if with_unlocked is not None:
            params["withUnlockedTasks"] = str(with_unlocked).lower()
        return list(self._http.get_json("/external-task/topic-names", params))


if TYPE_CHECKING:
    # Only for mypy: the clients keep satisfying the ports the services are typed against.
    def _conforms(client: CamundaClient, admin: EngineAdmin) -> tuple[EnginePort, TaskHistory, TaskHistory]:
        return client, client, admin
