"""The journal's details of a change: one line per attribute, as OpenProject's activity shows them.

"Status changed from New to Closed", "Assignee set to Anna Petrova", "Finish date deleted (…)".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.sandbox.openproject.state import State, WorkPackage

CHANGE_LABELS = {
    "status_id": "Status",
    "type_id": "Type",
    "priority_id": "Priority",
    "assignee_id": "Assignee",
    "responsible_id": "Accountable",
    "parent_id": "Parent",
    "subject": "Subject",
    "start_date": "Start date",
    "due_date": "Finish date",
}


def _shown(state: State, attribute: str, value: Any) -> str | None:
    """A value as the journal names it (the name of a status, a type, a user …)."""
    if value is None:
        return None
    named: dict[str, Mapping[int, Any]] = {
        "status_id": state.statuses,
        "type_id": state.kinds,
        "priority_id": state.priorities,
        "assignee_id": state.users,
        "responsible_id": state.users,
    }
    if attribute in named:
        return str(named[attribute][value].name)
    return f"#{value}" if attribute == "parent_id" else str(value)


def describe_changes(state: State, old: WorkPackage, new: WorkPackage) -> list[str]:
    """The journal's details of a change, one line per attribute."""
    lines: list[str] = []
    for attribute, label in CHANGE_LABELS.items():
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            lines.append(
                _change_line(label, _shown(state, attribute, before), _shown(state, attribute, after))
            )
    if old.description != new.description:
        lines.append("Description changed")
    for field_id in sorted(set(old.custom) | set(new.custom)):
        before, after = old.custom.get(field_id), new.custom.get(field_id)
        if before != after:
            label = state.custom_fields[field_id].name
            lines.append(_change_line(label, _shown(state, "", before), _shown(state, "", after)))
    return lines


def _change_line(label: str, before: str | None, after: str | None) -> str:
    if before is None:
        return f"{label} set to {after}"
    if after is None:
        return f"{label} deleted ({before})"
    return f"{label} changed from {before} to {after}"
