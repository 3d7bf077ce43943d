"""The sandbox's in-memory portal: tasks, leads, users, counters; one re-entrant lock guards all."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tools.sandbox.bitrix24.protocol import iso, text

SEED_USERS: tuple[tuple[str, str, str, bool], ...] = (
    ("Admin", "Sandbox", "Administrator", True),
    ("Ivan", "Petrov", "Manager", True),
    ("Maria", "Sidorova", "Accountant", True),
    ("Oleg", "Kozlov", "Engineer", True),
    ("Anna", "Smirnova", "Former employee", False),
)


@dataclass
class TaskRecord:
    """One task: the camelCase fields it answers with, its user fields and what hangs off it."""

    id: int
    fields: dict[str, Any]
    uf: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    close_at: float | None = None
    reads: list[float] = field(default_factory=list)  # when a list by ID returned it (status polls)

    def snapshot(self) -> dict[str, Any]:
        """Everything about the task, for the control API."""
        return {
            "id": self.id,
            "fields": dict(self.fields),
            "uf": dict(self.uf),
            "extra": dict(self.extra),
            "comments": list(self.comments),
            "checklist": list(self.checklist),
            "results": list(self.results),
            "closeAt": self.close_at,
            "reads": list(self.reads),
        }


def seed_user(user_id: int, name: str, last_name: str, position: str, active: bool) -> dict[str, Any]:
    """A ``user.get`` record."""
    return {
        "ID": str(user_id),
        "ACTIVE": active,
        "NAME": name,
        "LAST_NAME": last_name,
        "SECOND_NAME": "",
        "EMAIL": f"{name}.{last_name}@sandbox.local".lower(),
        "WORK_POSITION": position,
        "UF_DEPARTMENT": [1],
        "USER_TYPE": "employee",
        "IS_ONLINE": "N",
    }


class State:
    """Everything the portal holds. Take :attr:`lock` around any read-modify-write."""

    def __init__(self, webhook_user: str, auto_close_after_s: float | None = None) -> None:
        self.lock = threading.RLock()
        self.webhook_user = webhook_user
        self.auto_close_after_s = auto_close_after_s
        self.reset()

    def reset(self) -> None:
        """Forget all records and counters; reseed the users."""
        with self.lock:
            self.tasks: dict[int, TaskRecord] = {}
            self.leads: dict[int, dict[str, Any]] = {}
            self.users: dict[int, dict[str, Any]] = {}
            self.requests: Counter[str] = Counter()
            self.batch_commands: Counter[str] = Counter()
            self.statuses: Counter[int] = Counter()
            self.served_503 = 0
            self._ids: Counter[str] = Counter()
            for number, (name, last, position, active) in enumerate(SEED_USERS, start=1):
                self.users[number] = seed_user(number, name, last, position, active)

    def next_id(self, kind: str) -> int:
        """The next id of one kind of record (task, comment, lead…), from 1."""
        with self.lock:
            self._ids[kind] += 1
            return self._ids[kind]

    def user_brief(self, user_id: Any) -> dict[str, Any]:
        """The ``creator``/``responsible`` object of a task answer."""
        user = self.users.get(int(user_id)) if str(user_id).isdigit() else None
        name = f"{user['NAME']} {user['LAST_NAME']}" if user else ""
        return {"id": str(user_id), "name": name, "link": f"/company/personal/user/{user_id}/", "icon": ""}

    def close_task(self, task: TaskRecord, by: Any, when: float, status: str = "5") -> None:
        """Move a task to ``status`` (5 = completed) as person ``by`` at ``when``."""
        with self.lock:
            task.fields.update(
                status=status,
                subStatus=status,
                closedBy=text(by) if status == "5" else None,
                closedDate=iso(when) if status == "5" else None,
                statusChangedBy=text(by),
                statusChangedDate=iso(when),
                changedDate=iso(when),
            )
            task.close_at = None

    def apply_due(self, now: float) -> None:
        """Close the tasks whose ``auto_close_after_s`` delay has passed (done lazily, per request)."""
        with self.lock:
            for task in self.tasks.values():
                if task.close_at is not None and task.close_at <= now:
                    self.close_task(task, task.fields.get("responsibleId", self.webhook_user), task.close_at)

    def counters(self) -> dict[str, Any]:
        """Requests per method, batch sub-commands per method, answers per status, 503s served."""
        with self.lock:
            return {
                "requests": dict(self.requests),
                "batch_commands": dict(self.batch_commands),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "served_503": self.served_503,
            }

    def snapshot(self) -> dict[str, Any]:
        """The whole portal as JSON for ``GET /_sandbox/state``."""
        with self.lock:
            return {
                "tasks": [task.snapshot() for task in self.tasks.values()],
                "leads": [dict(lead) for lead in self.leads.values()],
                "users": list(self.users.values()),
                "counters": self.counters(),
                "auto_close_after_s": self.auto_close_after_s,
            }
