"""The subject and the markdown description of a work package, from templates and the model.

Both are ``core.templates`` over the process variables and the task's facts (process name,
instance link, activity…). The subject is one line of 1–255 characters: whitespace runs
become one space, and a longer text is cut at a word boundary with an ellipsis, so a long
variable never fails a task; an empty one does, naming the template.
"""

from __future__ import annotations

from core.actions.context import TaskContext
from core.actions.facts import instance_url as shared_instance_url
from core.actions.facts import task_facts
from core.errors import PermanentError
from core.templates import Scope, render
from systems.openproject.settings import OpenProjectSettings

SUBJECT_LIMIT = 255
ELLIPSIS = "…"
SUBJECT_PROPERTY = "openproject.subject"
DESCRIPTION_PROPERTY = "openproject.description"


def instance_url(task: TaskContext, settings: OpenProjectSettings) -> str | None:
    """The link to the process instance, from the configured pattern."""
    return shared_instance_url(settings.instance_url, task.message.process)


def facts(task: TaskContext, settings: OpenProjectSettings) -> dict[str, str]:
    """What templates may name besides process variables."""
    url = instance_url(task, settings)
    instance = task.message.process.instance_id
    return task_facts(task, url, f"[{instance}]({url})" if url else instance)


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
