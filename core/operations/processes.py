"""Deployed processes: what runs how often (``list_processes``), and starting one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from core.camunda import EngineAdmin
from core.operations.audit import known, log_operation
from core.operations.models import ProcessSummary, StartedExecution

# A process is the pair (key, tenant): the same key deployed for two tenants is two processes.
ProcessId = tuple[str, str | None]


def list_processes(engine: EngineAdmin) -> list[ProcessSummary]:
    """The latest version of every process with its running, incident and completed counts.

    Running instances and open incidents are summed over all versions of the key (an old
    version's instances are still this process's work). Calls: one for the latest versions,
    one for the statistics of every version, then one history count per process.
    """
    latest = engine.list_process_definitions(latestVersion="true", sortBy="key", sortOrder="asc")
    running, incidents = _live_counts(engine.process_definition_statistics())
    return [
        ProcessSummary(
            key=definition["key"],
            name=definition.get("name"),
            version=int(definition["version"]),
            version_tag=definition.get("versionTag"),
            definition_id=definition["id"],
            tenant_id=definition.get("tenantId"),
            suspended=bool(definition.get("suspended")),
            running=running[_process_id(definition)],
            incidents=incidents[_process_id(definition)],
            completed=_completed(engine, _process_id(definition)),
        )
        for definition in latest
    ]


def _process_id(definition: Mapping[str, Any]) -> ProcessId:
    return definition["key"], definition.get("tenantId")


def _live_counts(statistics: list[dict[str, Any]]) -> tuple[Counter[ProcessId], Counter[ProcessId]]:
    running: Counter[ProcessId] = Counter()
    incidents: Counter[ProcessId] = Counter()
    for row in statistics:
        process = _process_id(row["definition"])
        running[process] += int(row.get("instances") or 0)
        incidents[process] += sum(int(item["incidentCount"]) for item in row.get("incidents") or [])
    return running, incidents


def _completed(engine: EngineAdmin, process: ProcessId) -> int:
    key, tenant = process
    scope: dict[str, Any] = {"tenantIdIn": [tenant]} if tenant else {"withoutTenantId": True}
    return engine.count_history_process_instances(processDefinitionKey=key, completed=True, **scope)


def start_process(
    engine: EngineAdmin,
    key: str,
    variables: Mapping[str, Any],
    *,
    actor: str,
    business_key: str | None = None,
    tenant_id: str | None = None,
) -> StartedExecution:
    """Start the latest version of ``key`` (for ``tenant_id``); unknown key → OperationNotFound."""
    with known(f"process {key!r}" + (f" of tenant {tenant_id!r}" if tenant_id else "")):
        started = engine.start_process_instance(
            key, business_key=business_key, variables=variables, tenant_id=tenant_id
        )
    log_operation("start", actor, started["id"], process=key, variables=len(variables))
    return StartedExecution(
        id=started["id"],
        definition_id=started["definitionId"],
        business_key=started.get("businessKey"),
        tenant_id=started.get("tenantId"),
    )
