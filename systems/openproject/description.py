"""The subject and the markdown description of a work package, from templates and the model.

Both are ``core.templates`` over the process variables and the task's facts (process name,
instance link, activity…). The subject is one line of 1–255 characters: whitespace runs
become one space, and a longer text is cut at a word boundary with an ellipsis, so a long
variable never fails a task; an empty one does, naming the template.
"""

from __future__ import annotations

from core.actions.context import TaskContext
from core.errors import PermanentError
from core.templates import Scope, render
from systems.openproject.settings import OpenProjectSettings

SUBJECT_LIMIT = 255
ELLIPSIS = "…"
SUBJECT_PROPERTY = "openproject.subject"
DESCRIPTION_PROPERTY = "openproject.description"


def instance_url(task: TaskContext, settings: OpenProjectSettings) -> str | None:
    """The link to the process instance, from the configured pattern."""
    if not settings.instance_url:
        return None
    process = task.message.process
    return (
        settings.instance_url.replace("{process_instance_id}", process.instance_id)
        .replace("{process_definition_id}", process.definition_id)
        .replace("{process_definition_key}", process.definition_key)
    )


def facts(task: TaskContext, settings: OpenProjectSettings) -> dict[str, str]:
    """What templates may name besides process variables."""
    message = task.message
    url = instance_url(task, settings)
    instance = message.process.instance_id
    return {
        "process_name": message.process.name or message.process.definition_key,
        "process_definition_key": message.process.definition_key,
        "process_instance_id": instance,
        "process_instance_url": url or "",
        "process_instance_link": f"[{instance}]({url})" if url else instance,
        "activity_id": message.activity.id,
        "activity_name": message.activity.name or message.activity.id,
        "lane": message.activity.lane or "",
        "external_task_id": message.task.id,
        "business_key": message.task.business_key or "",
    }


def subject(task: TaskContext, settings: OpenProjectSettings, scope: Scope) -> str:
    """The rendered subject: one line, 1–255 characters."""
    template = task.properties.get(SUBJECT_PROPERTY)
    origin = f"extension property {SUBJECT_PROPERTY}" if template else "option subject"
    text = " ".join(render(template or settings.subject, scope, origin).split())
    if not text:
        raise PermanentError(
            f"openproject: the subject of activity {task.activity_label} is empty (from the {origin})"
        )
    return shorten(text)


def shorten(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """``text`` within ``limit`` characters, cut after a whole word where one ends near the limit."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit - 60:  # a word boundary close to the end; else cut inside the word
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def describe(task: TaskContext, settings: OpenProjectSettings, scope: Scope) -> str:
    """The property template (or the activity's documentation), then the configured footer."""
    template = task.properties.get(DESCRIPTION_PROPERTY)
    if template:
        body = render(template, scope, f"extension property {DESCRIPTION_PROPERTY}")
    else:
        body = task.message.activity.documentation or ""
    parts = [body.strip()]
    if settings.description_footer:
        parts.append(render(settings.description_footer, scope, "option description_footer").strip())
    return "\n\n".join(part for part in parts if part)
