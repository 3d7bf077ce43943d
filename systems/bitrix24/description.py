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
from core.actions.facts import instance_url as shared_instance_url
from core.actions.facts import task_facts
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
    return shared_instance_url(options.instance_url, task.message.process)


def facts(task: TaskContext, options: TaskOptions) -> dict[str, str]:
    """What templates may name besides process variables."""
    url = instance_url(task, options)
    instance = task.message.process.instance_id
    return task_facts(task, url, f"[URL={url}]{instance}[/URL]" if url else instance)


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
