"""What the services may ask of the engine: narrow protocols instead of the whole REST client.

The worker and the tracker depend on :class:`EnginePort` only, so a test hands them a small
fake and they cannot reach deployments, instances or history by accident. Everything else
lives on :class:`~core.camunda.admin.EngineAdmin`. Signatures here are as narrow as the
callers need; the real client accepts more (e.g. ``complete(local_variables=…)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from core.camunda.models import FetchTopic, LockedTask


class EnginePort(Protocol):
    """The external-task calls of universal_worker and task_tracker."""

    def fetch_and_lock(
        self,
        worker_id: str,
        topics: Sequence[FetchTopic],
        *,
        max_tasks: int,
        async_response_timeout_ms: int | None = None,
        use_priority: bool = True,
    ) -> list[LockedTask]: ...

    def complete(self, task_id: str, worker_id: str, variables: Mapping[str, Any] | None = None) -> None: ...

    def failure(
        self,
        task_id: str,
        worker_id: str,
        *,
        error_message: str,
        error_details: str | None = None,
        retries: int = 0,
        retry_timeout_ms: int = 0,
    ) -> None: ...

    def bpmn_error(
        self,
        task_id: str,
        worker_id: str,
        *,
        error_code: str,
        error_message: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None: ...

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None: ...

    def unlock(self, task_id: str) -> None: ...

    def topic_names(
        self, *, with_locked: bool | None = None, with_unlocked: bool | None = None
    ) -> list[str]: ...

    def process_definition_xml(self, definition_id: str) -> str: ...

    # The worker's fetch plan probes waiting tasks to learn which process keys to lock.
    def list_external_tasks(
        self, *, max_results: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]: ...


class TaskHistory(Protocol):
    """History reads that tell a completed external task from a cancelled one."""

    def external_task_log(self, external_task_id: str) -> list[dict[str, Any]]: ...

    def history_activity_instances_of(
        self, process_instance_id: str, activity_id: str
    ) -> list[dict[str, Any]]: ...
