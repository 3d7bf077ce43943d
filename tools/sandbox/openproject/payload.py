"""Writing a work package: a create or PATCH body applied to a draft, then the draft validated.

Writable (reference §2): ``subject``, ``description`` ({raw}), ``startDate``, ``dueDate``, the
``customFieldN`` enabled in the project, and the links ``type``, ``status``, ``priority``,
``assignee``, ``responsible``, ``parent`` (``project`` only when creating). A read-only property
(``id``, ``createdAt``, ``updatedAt``, the ``author`` link, …) is 422 ``PropertyIsReadOnly`` when the
body gives it a value other than the current one, so echoing a GET body back is fine. Other
properties are ignored, as OpenProject's parser ignores them (counted in ``ignored_properties``).

Validation works on the whole draft, like OpenProject's contract: subject 1–255 characters,
the project's required custom fields, finish ≥ start, and a read-only status (Rejected) lets
only the status change. Every problem is collected: one error as it is, several as
``MultipleErrors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tools.sandbox.openproject.hal import error, parse_href, stamp
from tools.sandbox.openproject.seed import CustomField, Project
from tools.sandbox.openproject.state import State, WorkPackage

Errors = list[dict[str, Any]]
# link name → (collection in its href, draft attribute, label in messages, required)
LINKS: dict[str, tuple[str, str, str, bool]] = {
    "type": ("types", "type_id", "Type", True),
    "status": ("statuses", "status_id", "Status", True),
    "priority": ("priorities", "priority_id", "Priority", True),
    "assignee": ("users", "assignee_id", "Assignee", False),
    "responsible": ("users", "responsible_id", "Accountable", False),
    "parent": ("work_packages", "parent_id", "Parent", False),
}
DATES = {"startDate": ("start_date", "Start date"), "dueDate": ("due_date", "Finish date")}
READ_ONLY = ("id", "createdAt", "updatedAt", "derivedStartDate", "derivedDueDate", "derivedEstimatedTime")
SILENT = ("_type", "_links", "_embedded", "_meta", "lockVersion")
MAX_SUBJECT = 255
# draft attribute → API property, to name what a read-only status refuses to change
ATTRIBUTES = {
    "subject": "subject",
    "description": "description",
    "type_id": "type",
    "priority_id": "priority",
    "assignee_id": "assignee",
    "responsible_id": "responsible",
    "parent_id": "parent",
    "start_date": "startDate",
    "due_date": "dueDate",
}


class Writer:
    """Applies one body to a copy of ``original`` and collects every error on the way."""

    def __init__(self, state: State, original: WorkPackage, *, creating: bool) -> None:
        self.state = state
        self.original = original
        self.draft = original.copy()
        self.creating = creating
        self.project: Project = state.projects[original.project_id]
        self.errors: Errors = []

    def apply(self, body: dict[str, Any]) -> WorkPackage:
        for key, value in body.items():
            self._property(key, value)
        links = body.get("_links") or {}
        if not isinstance(links, dict):
            self._fail("PropertyFormatError", "_links must be an object of links.", "_links")
            return self.draft
        for key, value in links.items():
            self._link(key, value)
        return self.draft

    def validate(self) -> Errors:
        """The errors of applying plus those of the resulting draft (one per attribute)."""
        named = {e.get("_embedded", {}).get("details", {}).get("attribute") for e in self.errors}
        found = [e for e in _draft_errors(self.state, self.project, self.draft) if _attr(e) not in named]
        if not self.creating and self.state.statuses[self.original.status_id].is_readonly:
            found += _readonly_status_errors(self.original, self.draft)
        return self.errors + found

    # properties ------------------------------------------------------------------------------

    def _fail(self, name: str, message: str, attribute: str) -> None:
        self.errors.append(error(name, message, attribute))

    def _property(self, key: str, value: Any) -> None:
        if key == "subject":
            self._subject(value)
        elif key == "description":
            self._description(value)
        elif key in DATES:
            self._date(key, value)
        elif key in READ_ONLY:
            self._read_only(key, value, self._current(key))
        elif (field := self.state.custom_field(key)) is not None and field.id in self.project.custom_fields:
            self._custom(field, value)
        elif key not in SILENT:
            self.state.counters.ignored_properties[key] += 1

    def _subject(self, value: Any) -> None:
        if isinstance(value, str):
            self.draft.subject = value
        else:
            self._fail("PropertyConstraintViolation", "Subject is invalid.", "subject")

    def _description(self, value: Any) -> None:
        if value is None:
            self.draft.description = ""
        elif isinstance(value, dict) and isinstance(value.get("raw") or "", str):
            self.draft.description = str(value.get("raw") or "")
        else:
            self._fail(
                "PropertyFormatError", "Description must be a Formattable with a raw text.", "description"
            )

    def _date(self, key: str, value: Any) -> None:
        attribute, label = DATES[key]
        if value is None:
            setattr(self.draft, attribute, None)
            return
        try:
            date.fromisoformat(str(value))
        except ValueError:
            message = f"{label} is invalid. Expected format like 'ISO 8601 date only', got '{value}'."
            self._fail("PropertyFormatError", message, key)
            return
        setattr(self.draft, attribute, str(value))

    def _current(self, key: str) -> Any:
        """The value a read-only property has now (derived dates are always null here)."""
        if self.creating:
            return None
        original = self.original
        values = {
            "id": original.id,
            "createdAt": stamp(original.created_at),
            "updatedAt": stamp(original.updated_at),
        }
        return values.get(key)

    def _read_only(self, key: str, value: Any, current: Any) -> None:
        if value is not None and value != current:
            self._fail("PropertyIsReadOnly", "You must not write a read-only attribute.", key)

    def _custom(self, field: CustomField, value: Any) -> None:
        if value is None or value == "":
            self.draft.custom.pop(field.id, None)
        elif field.format == "int":
            if isinstance(value, bool) or not str(value).lstrip("-").isdigit():
                self._fail("PropertyConstraintViolation", f"{field.name} is not a number.", field.key)
            else:
                self.draft.custom[field.id] = int(value)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            self.draft.custom[field.id] = str(value)
        else:
            self._fail("PropertyConstraintViolation", f"{field.name} is invalid.", field.key)

    # links -----------------------------------------------------------------------------------

    def _link(self, key: str, value: Any) -> None:
        if key == "project":
            self._project_link(value)
        elif key == "author":
            href = value.get("href") if isinstance(value, dict) else value
            self._read_only(key, href, None if self.creating else f"/api/v3/users/{self.original.author_id}")
        elif key in LINKS:
            self._resource_link(key, value)
        else:
            self.state.counters.ignored_properties[f"_links.{key}"] += 1

    def _href(self, key: str, value: Any) -> tuple[bool, str | None]:
        """(ok, href) of a link object; records the error when it is not ``{"href": ...}``."""
        if isinstance(value, dict) and (value.get("href") is None or isinstance(value.get("href"), str)):
            return True, value.get("href")
        self._fail("PropertyFormatError", f"The link {key} must be an object with an href.", key)
        return False, None

    def _resource_link(self, key: str, value: Any) -> None:
        collection, attribute, label, required = LINKS[key]
        ok, href = self._href(key, value)
        if not ok:
            return
        if href is None:
            if required:
                self._fail("PropertyConstraintViolation", f"{label} can't be blank.", key)
            else:
                setattr(self.draft, attribute, None)
            return
        target = _target(href, collection)
        if target is None:
            expected = f"/api/v3/{collection}/:id"
            message = f"For property '{key}' a link like '{expected}' is expected, but got '{href}'."
            self._fail("ResourceTypeMismatch", message, key)
        elif not self._exists(key, target):
            self._fail(
                "PropertyConstraintViolation", f"{label} is not set to one of the allowed values.", key
            )
        else:
            setattr(self.draft, attribute, target)

    def _exists(self, key: str, target: int) -> bool:
        state = self.state
        if key == "parent":
            return target in state.work_packages and (self.creating or target != self.original.id)
        pools: dict[str, Mapping[int, Any]] = {
            "type": state.kinds,
            "status": state.statuses,
            "priority": state.priorities,
        }
        return target in pools.get(key, state.users)

    def _project_link(self, value: Any) -> None:
        ok, href = self._href("project", value)
        if not ok or self.creating:
            return  # the caller took the project from the path or the link already
        if _target(href or "", "projects") != self.original.project_id:
            self._fail("PropertyIsReadOnly", "Moving work packages is not supported here.", "project")


def project_of_body(state: State, body: dict[str, Any]) -> tuple[Project | None, Errors]:
    """The project a ``POST /work_packages`` body links (that route requires the link)."""
    value = (body.get("_links") or {}).get("project") if isinstance(body.get("_links"), dict) else None
    href = value.get("href") if isinstance(value, dict) else None
    if not isinstance(href, str):
        return None, [error("PropertyConstraintViolation", "Project can't be blank.", "project")]
    target = _target(href, "projects")
    project = state.projects.get(target) if target is not None else None
    if project is None:
        message = "Project is not set to one of the allowed values."
        return None, [error("PropertyConstraintViolation", message, "project")]
    return project, []


def _target(href: str, collection: str) -> int | None:
    parsed = parse_href(href)
    if parsed is None or parsed[0] != collection or not parsed[1].isdigit():
        return None
    return int(parsed[1])


def _attr(body: dict[str, Any]) -> str | None:
    attribute = body.get("_embedded", {}).get("details", {}).get("attribute")
    return None if attribute is None else str(attribute)


def _draft_errors(state: State, project: Project, draft: WorkPackage) -> Errors:
    found: Errors = []
    if not draft.subject.strip():
        found.append(error("PropertyConstraintViolation", "Subject can't be blank.", "subject"))
    elif len(draft.subject) > MAX_SUBJECT:
        message = f"Subject is too long (maximum is {MAX_SUBJECT} characters)."
        found.append(error("PropertyConstraintViolation", message, "subject"))
    for field_id in project.custom_fields:
        field = state.custom_fields[field_id]
        value = draft.custom.get(field_id)
        if field_id in project.required and value in (None, ""):
            found.append(error("PropertyConstraintViolation", f"{field.name} can't be blank.", field.key))
        elif field.max_length is not None and isinstance(value, str) and len(value) > field.max_length:
            message = f"{field.name} is too long (maximum is {field.max_length} characters)."
            found.append(error("PropertyConstraintViolation", message, field.key))
    if draft.start_date and draft.due_date and draft.due_date < draft.start_date:
        message = "Finish date must be greater than or equal to start date."
        found.append(error("PropertyConstraintViolation", message, "dueDate"))
    return found


def _readonly_status_errors(original: WorkPackage, draft: WorkPackage) -> Errors:
    """In a read-only status only the status may change (OpenProject's writable_attributes)."""
    changed = [api for attr, api in ATTRIBUTES.items() if getattr(original, attr) != getattr(draft, attr)]
    changed += [
        f"customField{k}"
        for k in set(original.custom) | set(draft.custom)
        if original.custom.get(k) != draft.custom.get(k)
    ]
    message = "You must not write a read-only attribute."
    return [error("PropertyIsReadOnly", message, name) for name in changed]
