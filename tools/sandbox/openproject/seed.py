"""The sandbox's fixed world: statuses, types, priorities, users, custom fields and projects.

Ids follow a fresh OpenProject with its default seed (reference §2): statuses 1–6, where
Closed and Rejected are closed and Rejected is also read-only; priorities 7–10 (enumerations
share one id sequence with the time-entry activities seeded first); users from 2 (1 is the
admin). The API token belongs to user 2, the integration's own account.

Custom fields: ``customField1`` "Exchanger task id" (a string, in both projects: the client's
idempotency marker) and ``customField2`` "Order number" (an integer, only in ``ops``, where it is
required). In OpenProject "required" belongs to the field and "enabled" to the project; the
sandbox keeps both per project so a test can make any project require any field.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Status:
    id: int
    name: str
    is_closed: bool
    is_readonly: bool
    is_default: bool
    color: str
    done_ratio: int
    excluded_from_totals: bool = False


@dataclass(frozen=True)
class Kind:
    """A work package type (``Type`` in the API; ``type`` is taken in Python)."""

    id: int
    name: str
    color: str
    is_default: bool = False
    is_milestone: bool = False


@dataclass(frozen=True)
class Priority:
    id: int
    name: str
    position: int
    color: str
    is_default: bool = False


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str
    login: str
    admin: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class CustomField:
    id: int
    name: str
    format: str  # "string" or "int"
    max_length: int | None = None

    @property
    def key(self) -> str:
        """The property name in the API: ``customField<id>``."""
        return f"customField{self.id}"

    @property
    def api_type(self) -> str:
        return "Integer" if self.format == "int" else "String"


@dataclass
class Project:
    """A project and its settings a test may change (fields enabled and required, permission)."""

    id: int
    identifier: str
    name: str
    custom_fields: list[int] = field(default_factory=list)
    required: set[int] = field(default_factory=set)
    forbidden: bool = False  # the token's user may read but not write here (403)


@dataclass
class World:
    statuses: dict[int, Status]
    kinds: dict[int, Kind]
    priorities: dict[int, Priority]
    users: dict[int, User]
    custom_fields: dict[int, CustomField]
    projects: dict[int, Project]


API_USER = 2

STATUSES = (
    Status(1, "New", False, False, True, "#3997AD", 0),
    Status(2, "In Progress", False, False, False, "#3852C6", 50),
    Status(3, "Resolved", False, False, False, "#93D2AE", 75),
    Status(4, "Feedback", False, False, False, "#A96FFE", 25),
    Status(5, "Closed", True, False, False, "#DF6DA1", 100),
    Status(6, "Rejected", True, True, False, "#D32937", 100, excluded_from_totals=True),
)
KINDS = (
    Kind(1, "Task", "#1A67A3", is_default=True),
    Kind(2, "Milestone", "#35C53F", is_milestone=True),
    Kind(3, "Bug", "#C92A2A"),
    Kind(4, "Feature", "#FF922B"),
)
PRIORITIES = (
    Priority(7, "Low", 1, "#C5F6FA"),
    Priority(8, "Normal", 2, "#74C0FC", is_default=True),
    Priority(9, "High", 3, "#F59F00"),
    Priority(10, "Immediate", 4, "#E03131"),
)
USERS = (
    User(2, "Exchanger", "Bot", "exchanger"),
    User(3, "Anna", "Petrova", "apetrova"),
    User(4, "Boris", "Ivanov", "bivanov"),
    User(5, "Olga", "Smirnova", "osmirnova"),
)
CUSTOM_FIELDS = (
    CustomField(1, "Exchanger task id", "string", max_length=255),
    CustomField(2, "Order number", "int"),
)


def seed() -> World:
    """A fresh copy of the world (projects are mutable: each sandbox gets its own)."""
    projects = (
        Project(1, "demo", "Demo project", custom_fields=[1]),
        Project(2, "ops", "Operations", custom_fields=[1, 2], required={2}),
    )
    return World(
        statuses={s.id: s for s in STATUSES},
        kinds={k.id: k for k in KINDS},
        priorities={p.id: p for p in PRIORITIES},
        users={u.id: u for u in USERS},
        custom_fields={c.id: c for c in CUSTOM_FIELDS},
        projects={p.id: p for p in projects},
    )
