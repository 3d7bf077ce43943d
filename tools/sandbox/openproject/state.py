"""What the OpenProject sandbox remembers: work packages, their journal, counters for assertions.

Ids are deterministic (work packages and activities count from 1 after each reset). Take
:attr:`State.lock` around any read-modify-write; the server handles each request under it.
Every change to a work package (through the API or as a person through the control API)
goes through :meth:`State.save`: lockVersion + 1, a new updatedAt, one journal entry.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from tools.sandbox.openproject.seed import API_USER, CustomField, Project, Status, User, seed


@dataclass
class WorkPackage:
    id: int
    project_id: int
    subject: str
    type_id: int
    status_id: int
    priority_id: int
    author_id: int
    created_at: float
    updated_at: float
    description: str = ""
    assignee_id: int | None = None
    responsible_id: int | None = None
    parent_id: int | None = None
    start_date: str | None = None
    due_date: str | None = None
    custom: dict[int, Any] = field(default_factory=dict)  # custom field id → value
    lock_version: int = 0

    def copy(self) -> WorkPackage:
        return replace(self, custom=dict(self.custom))


@dataclass
class Activity:
    """One journal entry: a change (``details``) and/or a comment, by a user."""

    id: int
    work_package_id: int
    version: int
    user_id: int
    created_at: float
    comment: str = ""
    details: list[str] = field(default_factory=list)


@dataclass
class Counters:
    requests: Counter[str] = field(default_factory=Counter)  # per endpoint
    answers: Counter[str] = field(default_factory=Counter)  # per HTTP status
    ignored_properties: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    auth_failures: int = 0

    def json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "answers": dict(self.answers),
            "ignored_properties": dict(self.ignored_properties),
            "rate_limited": self.rate_limited,
            "auth_failures": self.auth_failures,
        }


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to the seed: no work packages, fresh counters, projects as seeded."""
        with self.lock:
            world = seed()
            self.statuses = world.statuses
            self.kinds = world.kinds
            self.priorities = world.priorities
            self.users = world.users
            self.custom_fields = world.custom_fields
            self.projects = world.projects
            self.work_packages: dict[int, WorkPackage] = {}
            self.activities: dict[int, list[Activity]] = {}
            self.deleted: list[int] = []
            self.counters = Counters()
            self.next_id = 1
            self.next_activity_id = 1

    # lookups ---------------------------------------------------------------------------------

    def project(self, ref: str | int) -> Project | None:
        """A project by id or identifier."""
        text = str(ref)
        if text.isdigit():
            return self.projects.get(int(text))
        return next((p for p in self.projects.values() if p.identifier == text), None)

    def status(self, ref: str | int) -> Status | None:
        """A status by id or (case-insensitive) name."""
        text = str(ref).strip()
        if text.isdigit():
            return self.statuses.get(int(text))
        return next((s for s in self.statuses.values() if s.name.lower() == text.lower()), None)

    def user(self, user_id: int | None) -> User | None:
        return None if user_id is None else self.users.get(user_id)

    def custom_field(self, key: str) -> CustomField | None:
        """A custom field by its API name (``customField3``) or as ``cf_3``."""
        for prefix in ("customField", "cf_"):
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                return self.custom_fields.get(int(key[len(prefix) :]))
        return None

    def is_closed(self, wp: WorkPackage) -> bool:
        return self.statuses[wp.status_id].is_closed

    # changes ---------------------------------------------------------------------------------

    def add(self, draft: WorkPackage, now: float) -> WorkPackage:
        """Store a new work package under the next id, with its first journal entry."""
        with self.lock:
            wp = replace(draft, id=self.next_id, created_at=now, updated_at=now, lock_version=0)
            self.next_id += 1
            self.work_packages[wp.id] = wp
            self.activities[wp.id] = []
            self.journal(wp.id, wp.author_id, now)
            return wp

    def save(self, wp: WorkPackage, by: int, details: list[str], now: float) -> WorkPackage:
        """Replace a work package with its changed copy: lockVersion + 1, one journal entry."""
        with self.lock:
            wp.lock_version = self.work_packages[wp.id].lock_version + 1
            wp.updated_at = max(now, self.work_packages[wp.id].updated_at)
            self.work_packages[wp.id] = wp
            self.journal(wp.id, by, now, details=details)
            return wp

    def journal(
        self, wp_id: int, by: int, now: float, *, comment: str = "", details: list[str] | None = None
    ) -> Activity:
        """Append one entry to a work package's journal (a change, a comment, or both)."""
        with self.lock:
            entries = self.activities[wp_id]
            entry = Activity(self.next_activity_id, wp_id, len(entries) + 1, by, now, comment, details or [])
            self.next_activity_id += 1
            entries.append(entry)
            return entry

    def delete(self, wp_id: int) -> None:
        """Forget a work package and, as OpenProject does, its whole hierarchy of children."""
        with self.lock:
            children = [wp.id for wp in self.work_packages.values() if wp.parent_id == wp_id]
            del self.work_packages[wp_id]
            del self.activities[wp_id]
            self.deleted.append(wp_id)
            for child in children:
                self.delete(child)

    # inspection ------------------------------------------------------------------------------

    def summary(self, wp: WorkPackage) -> dict[str, Any]:
        """A work package as the control API shows it: names resolved, comments included."""
        status = self.statuses[wp.status_id]
        assignee = self.user(wp.assignee_id)
        return {
            "id": wp.id,
            "project": self.projects[wp.project_id].identifier,
            "subject": wp.subject,
            "type": self.kinds[wp.type_id].name,
            "status": status.name,
            "status_id": status.id,
            "is_closed": status.is_closed,
            "lock_version": wp.lock_version,
            "assignee": assignee.name if assignee else None,
            "assignee_id": wp.assignee_id,
            "custom_fields": {self.custom_fields[k].key: v for k, v in sorted(wp.custom.items())},
            "comments": [
                {"user_id": a.user_id, "text": a.comment} for a in self.activities[wp.id] if a.comment
            ],
        }

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "work_packages": [self.summary(wp) for wp in self.work_packages.values()],
                "deleted": list(self.deleted),
                "counters": self.counters.json(),
                "projects": [_project_settings(p) for p in self.projects.values()],
                "api_user": API_USER,
            }


def _project_settings(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "identifier": project.identifier,
        "custom_fields": [f"customField{i}" for i in project.custom_fields],
        "required": sorted(f"customField{i}" for i in project.required),
        "forbidden": project.forbidden,
    }
