"""Resources as the API renders them (HAL): statuses, types, priorities, users, projects,
work packages, activities, and the unpaginated Collection.

A work package carries its links (``status`` with a title, ``update``, ``addComment``, …) and,
as the single-resource GET does, ``_embedded`` status, type, priority, project and people.
Action links (``update``, ``delete``, ``addComment``) appear only where the token's user may
act, as OpenProject renders only the actions allowed. hrefs are root-relative (``/api/v3/…``).
"""

from __future__ import annotations

from typing import Any

from tools.sandbox.openproject.hal import API, formattable, link, stamp
from tools.sandbox.openproject.seed import Kind, Priority, Project, Status, User
from tools.sandbox.openproject.state import Activity, State, WorkPackage

SEEDED_AT = 1_704_067_200.0  # 2024-01-01: when the seed data "was created"


def status_json(status: Status) -> dict[str, Any]:
    return {
        "_type": "Status",
        "id": status.id,
        "name": status.name,
        "isClosed": status.is_closed,
        "color": status.color,
        "isDefault": status.is_default,
        "isReadonly": status.is_readonly,
        "excludedFromTotals": status.excluded_from_totals,
        "defaultDoneRatio": status.done_ratio,
        "position": status.id,
        "_links": {"self": link("statuses", status.id, status.name)},
    }


def type_json(kind: Kind) -> dict[str, Any]:
    return {
        "_type": "Type",
        "id": kind.id,
        "name": kind.name,
        "color": kind.color,
        "position": kind.id,
        "isDefault": kind.is_default,
        "isMilestone": kind.is_milestone,
        "createdAt": stamp(SEEDED_AT),
        "updatedAt": stamp(SEEDED_AT),
        "_links": {"self": link("types", kind.id, kind.name)},
    }


def priority_json(priority: Priority) -> dict[str, Any]:
    return {
        "_type": "Priority",
        "id": priority.id,
        "name": priority.name,
        "position": priority.position,
        "color": priority.color,
        "isDefault": priority.is_default,
        "isActive": True,
        "_links": {"self": link("priorities", priority.id, priority.name)},
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "_type": "User",
        "id": user.id,
        "name": user.name,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "login": user.login,
        "admin": user.admin,
        "avatar": "",
        "status": "active",
        "language": "en",
        "createdAt": stamp(SEEDED_AT),
        "updatedAt": stamp(SEEDED_AT),
        "_links": {
            "self": link("users", user.id, user.name),
            "showUser": {"href": f"/users/{user.id}", "type": "text/html"},
        },
    }


def project_json(project: Project) -> dict[str, Any]:
    base = f"{API}/projects/{project.id}"
    links: dict[str, Any] = {
        "self": link("projects", project.id, project.name),
        "workPackages": {"href": f"{base}/work_packages"},
        "types": {"href": f"{base}/types"},
    }
    if not project.forbidden:
        links["createWorkPackage"] = {"href": f"{base}/work_packages/form", "method": "post"}
        links["createWorkPackageImmediately"] = {"href": f"{base}/work_packages", "method": "post"}
    return {
        "_type": "Project",
        "id": project.id,
        "identifier": project.identifier,
        "name": project.name,
        "active": True,
        "public": False,
        "description": formattable(""),
        "createdAt": stamp(SEEDED_AT),
        "updatedAt": stamp(SEEDED_AT),
        "_links": links,
    }


def collection(elements: list[dict[str, Any]], self_href: str) -> dict[str, Any]:
    """An unpaginated Collection (statuses, types, priorities, activities)."""
    return {
        "_type": "Collection",
        "total": len(elements),
        "count": len(elements),
        "_embedded": {"elements": elements},
        "_links": {"self": {"href": self_href}},
    }


def work_package_json(state: State, wp: WorkPackage, *, writable: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "_type": "WorkPackage",
        "id": wp.id,
        "lockVersion": wp.lock_version,
        "subject": wp.subject,
        "description": formattable(wp.description),
        "scheduleManually": False,
        "startDate": wp.start_date,
        "dueDate": wp.due_date,
        "derivedStartDate": None,
        "derivedDueDate": None,
        "duration": None,
        "estimatedTime": None,
        "derivedEstimatedTime": None,
        "percentageDone": None,
        "createdAt": stamp(wp.created_at),
        "updatedAt": stamp(wp.updated_at),
    }
    for field_id in state.projects[wp.project_id].custom_fields:
        body[state.custom_fields[field_id].key] = wp.custom.get(field_id)
    body["_embedded"] = _embedded(state, wp)
    body["_links"] = _links(state, wp, writable=writable)
    return body


def _embedded(state: State, wp: WorkPackage) -> dict[str, Any]:
    embedded = {
        "status": status_json(state.statuses[wp.status_id]),
        "type": type_json(state.kinds[wp.type_id]),
        "priority": priority_json(state.priorities[wp.priority_id]),
        "project": project_json(state.projects[wp.project_id]),
        "author": user_json(state.users[wp.author_id]),
    }
    for name, user_id in (("assignee", wp.assignee_id), ("responsible", wp.responsible_id)):
        user = state.user(user_id)
        if user is not None:
            embedded[name] = user_json(user)
    return embedded


def _user_link(state: State, user_id: int | None) -> dict[str, Any]:
    user = state.user(user_id)
    return link("users", user.id, user.name) if user else {"href": None}


def _links(state: State, wp: WorkPackage, *, writable: bool) -> dict[str, Any]:
    href = f"{API}/work_packages/{wp.id}"
    parent = state.work_packages.get(wp.parent_id) if wp.parent_id is not None else None
    links: dict[str, Any] = {
        "self": {"href": href, "title": wp.subject},
        "schema": {"href": f"{API}/work_packages/schemas/{wp.project_id}-{wp.type_id}"},
        "activities": {"href": f"{href}/activities"},
        "status": link("statuses", wp.status_id, state.statuses[wp.status_id].name),
        "type": link("types", wp.type_id, state.kinds[wp.type_id].name),
        "priority": link("priorities", wp.priority_id, state.priorities[wp.priority_id].name),
        "project": link("projects", wp.project_id, state.projects[wp.project_id].name),
        "author": _user_link(state, wp.author_id),
        "assignee": _user_link(state, wp.assignee_id),
        "responsible": _user_link(state, wp.responsible_id),
        "parent": link("work_packages", parent.id, parent.subject) if parent else {"href": None},
    }
    if writable:
        links["update"] = {"href": href, "method": "patch", "title": f"Update {wp.subject}"}
        links["updateImmediately"] = {"href": href, "method": "patch"}
        links["delete"] = {"href": href, "method": "delete"}
        links["addComment"] = {"href": f"{href}/activities", "method": "post", "title": "Add comment"}
    return links


def activity_json(state: State, entry: Activity) -> dict[str, Any]:
    wp = state.work_packages[entry.work_package_id]
    return {
        "_type": "Activity::Comment" if entry.comment else "Activity",
        "id": entry.id,
        "version": entry.version,
        "comment": formattable(entry.comment),
        "details": [formattable(text) | {"format": "custom"} for text in entry.details],
        "internal": False,
        "createdAt": stamp(entry.created_at),
        "updatedAt": stamp(entry.created_at),
        "_links": {
            "self": {"href": f"{API}/activities/{entry.id}"},
            "workPackage": {"href": f"{API}/work_packages/{wp.id}", "title": wp.subject},
            "user": _user_link(state, entry.user_id),
        },
    }
