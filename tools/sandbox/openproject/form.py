"""The work package Schema and the create Form (``POST /projects/{id}/work_packages/form``).

A Form answers 200 even when the payload is invalid: ``_embedded.payload`` is the draft,
``_embedded.schema`` lists every field with ``type``, ``name``, ``required``, ``hasDefault``,
``writable`` (and allowed values for the links), ``_embedded.validationErrors`` maps each
property that failed to its Error; ``_links.commit`` appears only when there is none
(docs/api/apiv3/tags/forms.yml).
"""

from __future__ import annotations

from typing import Any

from tools.sandbox.openproject.hal import API, formattable, link
from tools.sandbox.openproject.seed import Project
from tools.sandbox.openproject.state import State, WorkPackage


def _field(
    kind: str,
    name: str,
    *,
    required: bool = False,
    writable: bool = True,
    has_default: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """One field of a schema; ``extra`` adds e.g. ``maxLength`` or ``_links.allowedValues``."""
    body = {"type": kind, "name": name, "required": required, "hasDefault": has_default, "writable": writable}
    return {**body, **extra, "options": {}}


def schema_json(state: State, project: Project, type_id: int) -> dict[str, Any]:
    """The schema of work packages of one type in one project."""
    statuses = [link("statuses", s.id, s.name) for s in state.statuses.values()]
    kinds = [link("types", k.id, k.name) for k in state.kinds.values()]
    priorities = [link("priorities", p.id, p.name) for p in state.priorities.values()]
    assignees = {"href": f"{API}/projects/{project.id}/available_assignees"}
    body: dict[str, Any] = {
        "_type": "Schema",
        "_dependencies": [],
        "lockVersion": _field("Integer", "Lock Version", required=True, writable=False),
        "id": _field("Integer", "ID", required=True, writable=False),
        "subject": _field("String", "Subject", required=True, minLength=1, maxLength=255),
        "description": _field("Formattable", "Description"),
        "startDate": _field("Date", "Start date"),
        "dueDate": _field("Date", "Finish date"),
        "createdAt": _field("DateTime", "Created on", required=True, writable=False),
        "updatedAt": _field("DateTime", "Updated on", required=True, writable=False),
        "author": _field("User", "Author", required=True, writable=False),
        "project": _field(
            "Project", "Project", required=True, _links={"allowedValues": {"href": f"{API}/projects"}}
        ),
        "type": _field("Type", "Type", required=True, has_default=True, _links={"allowedValues": kinds}),
        "status": _field(
            "Status", "Status", required=True, has_default=True, _links={"allowedValues": statuses}
        ),
        "priority": _field(
            "Priority", "Priority", required=True, has_default=True, _links={"allowedValues": priorities}
        ),
        "assignee": _field("User", "Assignee", _links={"allowedValues": assignees}),
        "responsible": _field("User", "Accountable", _links={"allowedValues": assignees}),
        "parent": _field("WorkPackage", "Parent"),
    }
    for field_id in project.custom_fields:
        field = state.custom_fields[field_id]
        extra: dict[str, Any] = {"maxLength": field.max_length} if field.max_length else {}
        body[field.key] = _field(field.api_type, field.name, required=field_id in project.required, **extra)
    body["_links"] = {"self": {"href": f"{API}/work_packages/schemas/{project.id}-{type_id}"}}
    return body


def payload_json(state: State, draft: WorkPackage) -> dict[str, Any]:
    """The writable part of a draft, as a body the client could send."""
    body: dict[str, Any] = {
        "subject": draft.subject,
        "description": {k: v for k, v in formattable(draft.description).items() if k != "html"},
        "startDate": draft.start_date,
        "dueDate": draft.due_date,
    }
    for field_id in state.projects[draft.project_id].custom_fields:
        body[state.custom_fields[field_id].key] = draft.custom.get(field_id)
    body["_links"] = {
        "project": link("projects", draft.project_id),
        "type": link("types", draft.type_id),
        "status": link("statuses", draft.status_id),
        "priority": link("priorities", draft.priority_id),
        "assignee": link("users", draft.assignee_id),
        "responsible": link("users", draft.responsible_id),
        "parent": link("work_packages", draft.parent_id),
    }
    return body


def form_json(state: State, draft: WorkPackage, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The create form of ``draft`` with the validation ``errors`` of its payload."""
    base = f"{API}/projects/{draft.project_id}/work_packages"
    by_attribute: dict[str, dict[str, Any]] = {}
    for item in errors:
        attribute = item.get("_embedded", {}).get("details", {}).get("attribute") or "base"
        by_attribute.setdefault(attribute, item)
    links: dict[str, Any] = {
        "self": {"href": f"{base}/form", "method": "post"},
        "validate": {"href": f"{base}/form", "method": "post"},
        "previewMarkup": {"href": f"{API}/render/markdown", "method": "post"},
    }
    if not errors:
        links["commit"] = {"href": base, "method": "post"}
    project = state.projects[draft.project_id]
    return {
        "_type": "Form",
        "_embedded": {
            "payload": payload_json(state, draft),
            "schema": schema_json(state, project, draft.type_id),
            "validationErrors": by_attribute,
        },
        "_links": links,
    }
