"""The few engine calls the benchmark itself makes: deploy, start, count, read history, clean up.

Thread-safe: each thread gets its own pooled keep-alive session, so instances can be started
from a small pool without sharing a ``requests.Session`` across threads.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

PAGE = 2_000
TIMEOUT_S = 60.0
DELETE_THREADS = 2


@dataclass(frozen=True)
class Deployment:
    deployment_id: str
    definition_id: str
    key: str


def instance_variables(index: int) -> dict[str, dict[str, Any]]:
    """A small typed payload that every contender echoes back unchanged."""
    return {
        "text": {"type": "String", "value": f"benchmark payload {index}"},
        "number": {"type": "Integer", "value": index},
        "flag": {"type": "Boolean", "value": index % 2 == 0},
    }


VARIABLE_NAMES = ("text", "number", "flag")


class Engine:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session().request(method, self.url + path, timeout=TIMEOUT_S, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def version(self) -> str:
        return str(self._call("GET", "/version")["version"])

    def deploy(self, key: str, xml: str) -> Deployment:
        files = {
            "deployment-name": (None, key),
            f"{key}.bpmn": (f"{key}.bpmn", xml.encode("utf-8"), "application/octet-stream"),
        }
        body = self._call("POST", "/deployment/create", files=files)
        definitions = body.get("deployedProcessDefinitions") or {}
        definition_id = next(iter(definitions))
        return Deployment(body["id"], definition_id, key)

    def start(self, key: str, index: int) -> str:
        body = {"variables": instance_variables(index)}
        return str(self._call("POST", f"/process-definition/key/{key}/start", json=body)["id"])

    def running_instances(self, definition_id: str) -> int:
        body = {"processDefinitionId": definition_id}
        return int(self._call("POST", "/process-instance/count", json=body)["count"])

    def service_tasks(self, definition_id: str) -> list[dict[str, Any]]:
        """Finished service-task activity instances: ``startTime`` is creation, ``endTime`` completion."""
        params = {
            "processDefinitionId": definition_id,
            "activityType": "serviceTask",
            "finished": "true",
            "sortBy": "endTime",
            "sortOrder": "asc",
        }
        return self._pages("/history/activity-instance", params)

    def task_creations(self, definition_id: str) -> list[dict[str, Any]]:
        """Creation log entries: external task id and the time the task was created."""
        params = {
            "processDefinitionId": definition_id,
            "creationLog": "true",
            "sortBy": "timestamp",
            "sortOrder": "asc",
        }
        return self._pages("/history/external-task-log", params)

    def _pages(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            page = self._call("GET", path, params={**params, "firstResult": len(rows), "maxResults": PAGE})
            rows.extend(page)
            if len(page) < PAGE:
                return rows

    def deployments(self, name_like: str) -> list[dict[str, Any]]:
        return list(self._call("GET", "/deployment", params={"nameLike": name_like}))

    def delete_deployment(self, deployment_id: str) -> None:
        """Drop the deployment with its instances and their history, so the next scenario starts lean.

        Instances and their history go first, one small transaction each: a cascading delete
        of a large deployment is one transaction, and on the in-memory H2 engine its undo log
        for 20k tasks' history filled the 768 MB heap (full GCs back to back for minutes).
        """
        definitions = self._call("GET", "/process-definition", params={"deploymentId": deployment_id})
        for definition in definitions:
            self._delete_instances(definition["id"])
        params = {"cascade": "true", "skipCustomListeners": "true", "skipIoMappings": "true"}
        response = self._session().delete(
            f"{self.url}/deployment/{deployment_id}", params=params, timeout=600
        )
        response.raise_for_status()

    def _delete_instances(self, definition_id: str) -> None:
        running = self._pages("/process-instance", {"processDefinitionId": definition_id})
        finished = self._pages("/history/process-instance", {"processDefinitionId": definition_id})
        with ThreadPoolExecutor(DELETE_THREADS, thread_name_prefix="bench-delete") as pool:
            list(pool.map(self._delete_running, [row["id"] for row in running]))
            list(pool.map(self._delete_history, [row["id"] for row in finished]))

    def _delete_running(self, instance_id: str) -> None:
        params = {"skipCustomListeners": "true", "skipIoMappings": "true", "failIfNotExists": "false"}
        self._session().delete(f"{self.url}/process-instance/{instance_id}", params=params, timeout=TIMEOUT_S)

    def _delete_history(self, instance_id: str) -> None:
        params = {"failIfNotExists": "false"}
        self._session().delete(
            f"{self.url}/history/process-instance/{instance_id}", params=params, timeout=TIMEOUT_S
        )
