"""What task templates may name besides process variables, for every people-work system."""

from __future__ import annotations

from core.actions.context import TaskContext
from core.contracts import ProcessInfo


def instance_url(pattern: str | None, process: ProcessInfo) -> str | None:
    """The link to the process instance, from a configured pattern (None: no pattern)."""
    if not pattern:
        return None
    return (
        pattern.replace("{process_instance_id}", process.instance_id)
        .replace("{process_definition_id}", process.definition_id)
        .replace("{process_definition_key}", process.definition_key)
    )


def task_facts(task: TaskContext, url: str | None, link: str) -> dict[str, str]:
    """The task's facts; ``link`` is the instance link in the system's own markup."""
    message = task.message
    return {
        "process_name": message.process.name or message.process.definition_key,
        "process_definition_key": message.process.definition_key,
        "process_instance_id": message.process.instance_id,
        "process_instance_url": url or "",
        "process_instance_link": link,
        "activity_id": message.activity.id,
        "activity_name": message.activity.name or message.activity.id,
        "lane": message.activity.lane or "",
        "external_task_id": message.task.id,
        "business_key": message.task.business_key or "",
    }
