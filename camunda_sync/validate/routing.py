"""Service-task topics that no rule of Exchanger's ``config/routing.yaml`` serves.

The worker fetches only topics some rule routes, so such a task would wait in the engine
unfetched and unnoticed: a warning names the topic and the activity.
"""

from __future__ import annotations

from collections.abc import Sequence

from camunda_sync.validate.issues import Issue
from core.bpmn.model import ActivityMeta, BpmnModel
from core.config.models import RoutingRule


def check_routing(model: BpmnModel, rules: Sequence[RoutingRule], *, tenant_id: str | None) -> list[Issue]:
    """One warning per external task of an executable process that no rule routes.

    A rule serves the task when all its conditions hold for the topic, the process key (the
    process id), the deployment's tenant and the activity's extension properties.
    """
    issues = []
    for process in model.processes.values():
        if process.is_executable is not True:  # the engine deploys executable processes only
            continue
        for activity in process.activities.values():
            if _unserved(activity, process.id, rules, tenant_id):
                issues.append(_warning(activity))
    return issues


def _unserved(
    activity: ActivityMeta, process_key: str, rules: Sequence[RoutingRule], tenant: str | None
) -> bool:
    topic = activity.topic
    if not activity.is_external or not topic or "{" in topic:  # expression topics are known at run time only
        return False
    properties = activity.extension_properties
    return not any(rule.matches(topic, process_key, tenant, properties) for rule in rules)


def _warning(activity: ActivityMeta) -> Issue:
    label = f"{activity.name!r} ({activity.id})" if activity.name else activity.id
    return Issue(
        "warning",
        "routing",
        f"topic {activity.topic!r} of activity {label} is served by no rule in routing.yaml: "
        "the worker will never fetch it",
        element_id=activity.id,
    )
