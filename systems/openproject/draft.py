"""What a work package is made of, read from its Camunda task before any remote call.

Each setting comes from the activity's extension property (a template over the process
variables) first, then from a process variable, then from ``systems.yaml``:

| field | property | variable (default name) | systems.yaml |
|---|---|---|---|
| project | openproject.project | op_project | default_project |
| subject | openproject.subject | - | subject (a template; the activity name) |
| description | openproject.description | - | the documentation, then description_footer |
| type / priority | openproject.type / .priority | op_type / op_priority | default_type / default_priority |
| assignee | openproject.assignee | op_assignee_id | lane_assignees[lane], default_assignee |
| responsible | openproject.responsible | op_responsible_id | lane_responsibles[lane], default_responsible |
| startDate / dueDate | openproject.startDate / .dueDate | op_start_date / op_due_date | - / default_due |
| parent | openproject.parent | op_parent_id | - |
| customFieldN | openproject.customFieldN | custom_fields: {customFieldN: variable} | task_id_field ← the task id |

Type, priority and custom field values stay raw here: names are resolved and custom fields
shaped against the project's form later (``work_packages.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.actions.context import TaskContext
from core.errors import PermanentError
from core.templates import PROSE, Scope, render_value
from systems.openproject import values
from systems.openproject.description import describe, facts, subject
from systems.openproject.settings import CUSTOM_FIELD, OpenProjectSettings

PREFIX = "openproject."
Found = tuple[Any, str]  # a value and where it came from (named in errors)


@dataclass(frozen=True)
class Draft:
    """A work package before names are resolved; ``origin`` says where a value came from."""

    project: str
    subject: str
    description: str
    type: Found | None = None
    priority: Found | None = None
    start_date: str | None = None
    due_date: str | None = None
    assignee: int | str | None = None
    responsible: int | str | None = None
    parent: int | None = None
    custom_fields: dict[str, Found] = field(default_factory=dict)


class _Reader:
    """Reads one task's settings from properties, variables and options."""

    def __init__(self, task: TaskContext, settings: OpenProjectSettings) -> None:
        self.task = task
        self.settings = settings
        self.scope = Scope(task.variables, facts(task, settings), activity=task.activity_label, style=PROSE)

    def find(self, name: str, variable: str | None = None) -> Found | None:
        """The rendered property ``openproject.<name>``, else the variable when it is set."""
        text = self.task.properties.get(PREFIX + name)
        if text is not None and text.strip():
            origin = f"extension property {PREFIX}{name}"
            value = render_value(text, self.scope, origin)
            return (value.strip() if isinstance(value, str) else value), origin
        if variable and self.task.variables.get(variable) is not None:
            return self.task.variables[variable], f"variable {variable}"
        return None

    def parsed(self, name: str, variable: str, parse: Callable[[Any, str], Any]) -> Any:
        found = self.find(name, variable)
        return None if found is None else parse(*found)


def build_draft(task: TaskContext, settings: OpenProjectSettings, now: datetime) -> Draft:
    """The work package to create; ``PermanentError`` names any bad or missing setting."""
    reader = _Reader(task, settings)
    names = settings.variables
    return Draft(
        project=_project(reader),
        subject=subject(task, settings, reader.scope),
        description=describe(task, settings, reader.scope),
        type=reader.find("type", names.type) or _option(settings.default_type, "default_type"),
        priority=reader.find("priority", names.priority)
        or _option(settings.default_priority, "default_priority"),
        start_date=_date(reader, "startDate", names.start_date, None, now),
        due_date=_date(reader, "dueDate", names.due_date, settings.default_due, now),
        assignee=_person(
            reader, "assignee", names.assignee, settings.lane_assignees, settings.default_assignee
        ),
        responsible=_person(
            reader, "responsible", names.responsible, settings.lane_responsibles, settings.default_responsible
        ),
        parent=reader.parsed("parent", names.parent, _parent),
        custom_fields=_custom_fields(reader),
    )


def _option(value: str | None, key: str) -> Found | None:
    return (value, f"option {key}") if value else None


def _project(reader: _Reader) -> str:
    found = reader.find("project", reader.settings.variables.project)
    found = found or _option(reader.settings.default_project, "default_project")
    if found is None:
        raise PermanentError(
            f"openproject: no project for activity {reader.task.activity_label}: set the extension property "
            f"{PREFIX}project, the variable {reader.settings.variables.project!r} or the option default_project"
        )
    return values.project(*found)


def _date(reader: _Reader, name: str, variable: str, default: str | None, now: datetime) -> str | None:
    found = reader.find(name, variable) or _option(default, "default_due")
    return None if found is None else values.day(found[0], now, reader.settings.zone, found[1])


def _person(
    reader: _Reader, name: str, variable: str, lanes: dict[str, int], default: int | None
) -> int | str | None:
    found = reader.find(name, variable)
    if found is not None:
        return values.principal(*found)
    lane = reader.task.message.activity.lane
    mapped = _lane_user(lanes, lane)
    return mapped if mapped is not None else default


def _lane_user(lanes: dict[str, int], lane: str | None) -> int | None:
    """The user of a lane: exact name first, then ignoring case and surrounding blanks."""
    if not lane:
        return None
    if lane in lanes:
        return lanes[lane]
    folded = {name.strip().casefold(): user for name, user in lanes.items()}
    return folded.get(lane.strip().casefold())


def _parent(value: Any, origin: str) -> int:
    return values.positive_id(value, origin, "a work package id")


def _custom_fields(reader: _Reader) -> dict[str, Found]:
    """Mapped variables, then ``openproject.customFieldN`` properties, then the task id (always)."""
    found: dict[str, Found] = {}
    for name, variable in reader.settings.custom_fields.items():
        if reader.task.variables.get(variable) is not None:
            found[name] = (reader.task.variables[variable], f"variable {variable}")
    for key in reader.task.properties:
        name = key.removeprefix(PREFIX)
        if key.startswith(PREFIX) and CUSTOM_FIELD.fullmatch(name):
            value = reader.find(name)
            if value is not None:
                found[name] = value
    found[reader.settings.task_id_field] = (reader.task.external_task_id, "option task_id_field")
    return found
