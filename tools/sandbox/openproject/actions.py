"""What a person does in OpenProject, for the control API and the simulated people.

Each edit is a real change: lockVersion + 1, a new updatedAt and a journal entry by that
person, so a client holding the old lockVersion meets 409 as it would in production.
A comment alone is a journal entry only (lockVersion stays), as in OpenProject.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.sandbox.openproject.changes import describe_changes
from tools.sandbox.openproject.seed import CustomField, Status
from tools.sandbox.openproject.state import Activity, State, WorkPackage


def edit(
    state: State, wp: WorkPackage, by: int, now: float, change: Callable[[WorkPackage], None]
) -> WorkPackage:
    """Apply ``change`` to a copy and save it when anything changed."""
    with state.lock:
        draft = wp.copy()
        change(draft)
        details = describe_changes(state, wp, draft)
        return state.save(draft, by, details, now) if details else wp


def set_status(state: State, wp: WorkPackage, status: Status, by: int, now: float) -> WorkPackage:
    def change(draft: WorkPackage) -> None:
        draft.status_id = status.id

    return edit(state, wp, by, now, change)


def assign(state: State, wp: WorkPackage, user_id: int | None, by: int, now: float) -> WorkPackage:
    if user_id is not None and user_id not in state.users:
        raise ValueError(f"no user {user_id}")

    def change(draft: WorkPackage) -> None:
        draft.assignee_id = user_id

    return edit(state, wp, by, now, change)


def set_custom(
    state: State, wp: WorkPackage, field: CustomField, value: Any, by: int, now: float
) -> WorkPackage:
    if field.id not in state.projects[wp.project_id].custom_fields:
        raise ValueError(f"{field.key} is not enabled in project {wp.project_id}")
    converted = None if value in (None, "") else (int(value) if field.format == "int" else str(value))

    def change(draft: WorkPackage) -> None:
        if converted is None:
            draft.custom.pop(field.id, None)
        else:
            draft.custom[field.id] = converted

    return edit(state, wp, by, now, change)


def comment(state: State, wp: WorkPackage, text: str, by: int, now: float) -> Activity:
    if not text.strip():
        raise ValueError("a comment needs a text")
    if by not in state.users:
        raise ValueError(f"no user {by}")
    return state.journal(wp.id, by, now, comment=text)
