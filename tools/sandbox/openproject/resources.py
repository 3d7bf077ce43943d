"""The read-only resources: root, statuses, types, priorities, users, projects, schemas.

Statuses, types and priorities are unpaginated Collections (reference §2). A project is found
by id or identifier; ``/users/me`` is the token's user. Unknown ids are 404 ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tools.sandbox.openproject.context import Call
from tools.sandbox.openproject.form import schema_json
from tools.sandbox.openproject.hal import API, Reply, not_found
from tools.sandbox.openproject.represent import (
    collection,
    priority_json,
    project_json,
    status_json,
    type_json,
    user_json,
)
from tools.sandbox.openproject.seed import API_USER, Project

T = TypeVar("T")


def root(call: Call) -> Reply:
    return Reply(
        200,
        {
            "_type": "Root",
            "instanceName": "OpenProject sandbox",
            "coreVersion": "15.0.0",
            "_links": {
                "self": {"href": API},
                "user": {"href": f"{API}/users/{API_USER}"},
                "statuses": {"href": f"{API}/statuses"},
                "types": {"href": f"{API}/types"},
                "priorities": {"href": f"{API}/priorities"},
                "workPackages": {"href": f"{API}/work_packages"},
            },
        },
    )


def _one(items: Mapping[int, T], raw_id: str, render: Callable[[T], dict[str, Any]]) -> Reply:
    item = items.get(int(raw_id)) if raw_id.isdigit() else None
    if item is None:
        raise not_found()
    return Reply(200, render(item))


def _all(items: Mapping[int, T], render: Callable[[T], dict[str, Any]], href: str) -> Reply:
    return Reply(200, collection([render(item) for item in items.values()], href))


def statuses(call: Call) -> Reply:
    return _all(call.state.statuses, status_json, f"{API}/statuses")


def status(call: Call) -> Reply:
    return _one(call.state.statuses, call.args["id"], status_json)


def types(call: Call) -> Reply:
    if "project" in call.args:
        project = project_of(call)
        return _all(call.state.kinds, type_json, f"{API}/projects/{project.id}/types")
    return _all(call.state.kinds, type_json, f"{API}/types")


def a_type(call: Call) -> Reply:
    return _one(call.state.kinds, call.args["id"], type_json)


def priorities(call: Call) -> Reply:
    return _all(call.state.priorities, priority_json, f"{API}/priorities")


def priority(call: Call) -> Reply:
    return _one(call.state.priorities, call.args["id"], priority_json)


def user(call: Call) -> Reply:
    raw_id = str(API_USER) if call.args["id"] == "me" else call.args["id"]
    return _one(call.state.users, raw_id, user_json)


def assignees(call: Call) -> Reply:
    project = project_of(call)
    return _all(call.state.users, user_json, f"{API}/projects/{project.id}/available_assignees")


def project_of(call: Call) -> Project:
    """The project the path names (id or identifier); 404 when there is none."""
    project = call.state.project(call.args["project"])
    if project is None:
        raise not_found("project")
    return project


def projects(call: Call) -> Reply:
    return _all(call.state.projects, project_json, f"{API}/projects")


def project(call: Call) -> Reply:
    return Reply(200, project_json(project_of(call)))


def schema(call: Call) -> Reply:
    found = project_of(call)
    type_id = int(call.args["type"])
    if type_id not in call.state.kinds:
        raise not_found()
    return Reply(200, schema_json(call.state, found, type_id))
