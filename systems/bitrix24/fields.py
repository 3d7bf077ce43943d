"""Builds the ``tasks.task.add`` fields of a people task from its Camunda task.

Each setting comes from the activity's extension property (a template filled from process
variables) first, then from a process variable, then from ``systems.yaml``:

| field | property | variable (default name) | systems.yaml |
|---|---|---|---|
| TITLE | bitrix.title | - | activity name, else tasks.default_title |
| DESCRIPTION | bitrix.description | - | documentation + tasks.description_footer |
| RESPONSIBLE_ID | bitrix.responsible | bitrix_responsible_id | tasks.lane_users[lane], tasks.default_responsible |
| CREATED_BY | bitrix.creator | bitrix_creator_id | tasks.default_creator |
| AUDITORS / ACCOMPLICES | bitrix.auditors / bitrix.accomplices | bitrix_auditors / bitrix_accomplices | - |
| GROUP_ID | bitrix.group | bitrix_group_id | tasks.default_group |
| DEADLINE | bitrix.deadline | bitrix_deadline | - |
| PRIORITY | bitrix.priority | bitrix_priority | tasks.default_priority |
| TAGS | bitrix.tags | - | tasks.default_tags |
| PARENT_ID | bitrix.parent | bitrix_parent_task_id | - |
| checklist | bitrix.checklist | - | the documentation's "Checklist:" list |

Everything is checked before any call to Bitrix24, so a bad model fails without side effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.actions.context import TaskContext
from core.errors import PermanentError
from core.templates import PROSE, Scope, render, render_value
from systems.bitrix24 import values
from systems.bitrix24.description import (
    describe,
    facts,
    property_checklist,
    split_documentation,
)
from systems.bitrix24.settings import TaskOptions

TITLE_LIMIT = 250
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})


@dataclass(frozen=True)
class TaskDraft:
    """A task ready to create: its fields, checklist and whether earlier results are wanted."""

    fields: dict[str, Any]
    checklist: tuple[str, ...]
    responsible: int
    previous_results: bool


class _Reader:
    """Reads one task's settings from properties, variables and options."""

    def __init__(self, task: TaskContext, options: TaskOptions) -> None:
        self.task = task
        self.options = options
        self.scope = Scope(task.variables, facts(task, options), activity=task.activity_label, style=PROSE)

    def raw(self, prop: str, variable: str | None = None) -> tuple[Any, str] | None:
        """The value and where it came from: the rendered property, else the variable."""
        text = self.task.properties.get(prop)
        if text is not None and text.strip():
            origin = f"extension property {prop}"
            value = render_value(text, self.scope, origin)
            return (value.strip() if isinstance(value, str) else value), origin
        if variable is not None and self.task.variables.get(variable) is not None:
            return self.task.variables[variable], f"variable {variable}"
        return None

    def one(self, prop: str, variable: str, parse: Callable[[Any, str], Any]) -> Any:
        found = self.raw(prop, variable)
        return None if found is None else parse(*found)

    def flag(self, prop: str, default: bool) -> bool:
        text = self.task.properties.get(prop)
        return default if text is None else text.strip().casefold() in TRUE_WORDS


def build_draft(task: TaskContext, options: TaskOptions, now: datetime) -> TaskDraft:
    """The fields of the task to create; ``PermanentError`` names any bad setting."""
    reader = _Reader(task, options)
    names = options.variables
    documentation = split_documentation(task.message.activity.documentation)
    responsible = _responsible(reader)
    fields: dict[str, Any] = {
        "TITLE": _title(reader),
        "DESCRIPTION": describe(task, options, reader.scope, documentation.text),
        "RESPONSIBLE_ID": responsible,
    }
    optional = {
        "CREATED_BY": reader.one("bitrix.creator", names.creator, values.user_id) or options.default_creator,
        "AUDITORS": reader.one("bitrix.auditors", names.auditors, values.id_list),
        "ACCOMPLICES": reader.one("bitrix.accomplices", names.accomplices, values.id_list),
        "GROUP_ID": reader.one("bitrix.group", names.group, values.record_id) or options.default_group,
        "DEADLINE": _deadline(reader, now),
        "PRIORITY": _priority(reader),
        "TAGS": _tags(reader),
        "PARENT_ID": reader.one("bitrix.parent", names.parent, values.record_id),
    }
    fields.update({key: value for key, value in optional.items() if value not in (None, [])})
    fields.update(_user_fields(task, options))
    return TaskDraft(
        fields=fields,
        checklist=_checklist(reader, documentation.checklist),
        responsible=responsible,
        previous_results=reader.flag("bitrix.previousResults", options.previous_results),
    )


def _title(reader: _Reader) -> str:
    found = reader.raw("bitrix.title")
    activity = reader.task.message.activity
    if found is not None:
        title = str(found[0])
    elif activity.name and activity.name.strip():
        title = activity.name.strip()
    else:
        title = render(reader.options.default_title, reader.scope, "option tasks.default_title")
    if not title.strip():
        raise PermanentError(f"bitrix24: the title of activity {activity.id} is empty")
    return title[:TITLE_LIMIT]


def _responsible(reader: _Reader) -> int:
    found = reader.raw("bitrix.responsible", reader.options.variables.responsible)
    if found is not None:
        return values.user_id(*found)
    lane = reader.task.message.activity.lane
    mapped = _lane_user(reader.options.lane_users, lane)
    if mapped is not None:
        return mapped
    if reader.options.default_responsible is not None:
        return reader.options.default_responsible
    raise PermanentError(
        f"bitrix24: no responsible person for activity {reader.task.message.activity.id}: set the "
        f"extension property bitrix.responsible or the variable {reader.options.variables.responsible!r}, "
        f"or map its lane ({lane or 'none'}) in systems.yaml under tasks.lane_users"
    )


def _lane_user(lane_users: dict[str, int], lane: str | None) -> int | None:
    if not lane:
        return None
    if lane in lane_users:
        return lane_users[lane]
    folded = {name.strip().casefold(): user for name, user in lane_users.items()}
    return folded.get(lane.strip().casefold())


def _deadline(reader: _Reader, now: datetime) -> str | None:
    found = reader.raw("bitrix.deadline", reader.options.variables.deadline)
    if found is None:
        return None
    return values.bitrix_datetime(values.deadline(found[0], now, reader.options.zone, found[1]))


def _priority(reader: _Reader) -> int | None:
    found = reader.raw("bitrix.priority", reader.options.variables.priority)
    return values.priority(*found) if found is not None else reader.options.default_priority


def _tags(reader: _Reader) -> list[str]:
    found = reader.raw("bitrix.tags")
    tags = [*reader.options.default_tags, *(values.words(str(found[0])) if found else [])]
    return list(dict.fromkeys(tags))


def _checklist(reader: _Reader, documented: tuple[str, ...]) -> tuple[str, ...]:
    text = reader.task.properties.get("bitrix.checklist")
    if text is None or not text.strip():
        return documented
    origin = "extension property bitrix.checklist"
    return tuple(render(item, reader.scope, origin) for item in property_checklist(text))


def _user_fields(task: TaskContext, options: TaskOptions) -> dict[str, str]:
    """The fields that tie the Bitrix task to the Camunda task (the lookup key first)."""
    names = options.fields
    linked = {names.external_task_id: task.external_task_id}
    if names.process_instance_id:
        linked[names.process_instance_id] = task.message.process.instance_id
    if names.activity_id:
        linked[names.activity_id] = task.message.activity.id
    return linked
