"""The task description and the checklist, from the activity's documentation and properties.

A documentation checklist is a header line (``Checklist:``, ``Чек-лист:``, ``Чеклист:``)
followed by list lines (``- item``, ``* item``, ``• item``, ``1. item``, ``1) item``); the
list ends at the first line that is not an item. Header and items leave the description and
become the task's checklist. Other lists in the documentation stay in the description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.actions.context import TaskContext
from core.templates import Scope, render
from systems.bitrix24.settings import TaskOptions

_HEADER = re.compile(r"^\s*(?:checklist|check-list|чек-?лист)\s*:\s*$", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+(?P<text>\S.*?)\s*$")


@dataclass(frozen=True)
class Documentation:
    """The activity documentation split into description text and checklist items."""

    text: str
    checklist: tuple[str, ...]


def split_documentation(documentation: str | None) -> Documentation:
    """Take the checklist section out of the documentation."""
    lines = (documentation or "").splitlines()
    kept: list[str] = []
    items: list[str] = []
    index = 0
    while index < len(lines):
        if _HEADER.match(lines[index]):
            index += 1
            while index < len(lines) and (match := _ITEM.match(lines[index])):
                items.append(match["text"])
                index += 1
            continue
        kept.append(lines[index])
        index += 1
    return Documentation("\n".join(kept).strip(), tuple(items))


def property_checklist(text: str) -> list[str]:
    """Checklist items of the ``bitrix.checklist`` property: separated by ``;`` or new lines."""
    return [item.strip() for item in re.split(r"[;\n]", text) if item.strip()]


def instance_url(task: TaskContext, options: TaskOptions) -> str | None:
    """The link to the process instance, from the configured pattern."""
    if not options.instance_url:
        return None
    process = task.message.process
    return (
        options.instance_url.replace("{process_instance_id}", process.instance_id)
        .replace("{process_definition_id}", process.definition_id)
        .replace("{process_definition_key}", process.definition_key)
    )


def facts(task: TaskContext, options: TaskOptions) -> dict[str, str]:
    """What templates may name besides process variables."""
    message = task.message
    url = instance_url(task, options)
    instance = message.process.instance_id
    return {
        "process_name": message.process.name or message.process.definition_key,
        "process_definition_key": message.process.definition_key,
        "process_instance_id": instance,
        "process_instance_url": url or "",
        "process_instance_link": f"[URL={url}]{instance}[/URL]" if url else instance,
        "activity_id": message.activity.id,
        "activity_name": message.activity.name or message.activity.id,
        "external_task_id": message.task.id,
        "business_key": message.task.business_key or "",
    }


def describe(task: TaskContext, options: TaskOptions, scope: Scope, body: str) -> str:
    """Body (property template or documentation), then the configured footer."""
    template = task.properties.get("bitrix.description")
    text = render(template, scope, "extension property bitrix.description") if template else body
    parts = [text.strip()]
    if options.description_footer:
        parts.append(render(options.description_footer, scope, "option tasks.description_footer"))
    return "\n\n".join(part for part in parts if part)


def with_previous_results(description: str, title: str, results: list[tuple[str, str]]) -> str:
    """Append ``[B]title[/B]`` and one ``• task: result`` line per earlier result."""
    if not results:
        return description
    lines = [f"[B]{title}[/B]", *(f"• {name}: {text}" for name, text in results)]
    return f"{description}\n\n" + "\n".join(lines)
