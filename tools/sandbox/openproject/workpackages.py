"""Work packages: the create form, create, read, PATCH, delete, collections, activities.

- Create answers **201** with the full WorkPackage; ``POST /work_packages`` needs
  ``_links.project``; defaults: the default type, status (New) and priority (Normal).
- PATCH needs the current ``lockVersion``: missing or stale is 409 ``UpdateConflict`` (checked
  before validation; OpenProject finds a stale version only when saving, after validating).
  A PATCH that changes nothing saves nothing (lockVersion stays).
- Writes in a project the token's user may not write in are 403 ``MissingPermission``.
- A deleted work package is 404 ``NotFound`` like one that never existed.
"""

from __future__ import annotations

from typing import Any

from tools.sandbox.openproject.changes import describe_changes
from tools.sandbox.openproject.context import Call
from tools.sandbox.openproject.form import form_json
from tools.sandbox.openproject.hal import API, ApiError, Reply, not_found
from tools.sandbox.openproject.payload import Writer, project_of_body
from tools.sandbox.openproject.query import page_of, paged, parse, select
from tools.sandbox.openproject.represent import activity_json, collection, work_package_json
from tools.sandbox.openproject.resources import project_of
from tools.sandbox.openproject.seed import API_USER, Project
from tools.sandbox.openproject.state import WorkPackage

CREATE_DENIED = "You are not allowed to add work packages to this project."
EDIT_DENIED = "You are not allowed to edit the content of the work package."
DELETE_DENIED = "You are not allowed to delete this work package."
COMMENT_DENIED = "You are not allowed to create a comment here."
CONFLICT = "Your changes could not be saved, because the work package was changed since you've seen it the last time."


def _creation_project(call: Call) -> Project:
    if "project" in call.args:
        return project_of(call)
    project, errors = project_of_body(call.state, call.body)
    if project is None:
        raise ApiError.many(errors)
    return project


def _new_draft(call: Call, project: Project) -> WorkPackage:
    state = call.state
    return WorkPackage(
        id=0,
        project_id=project.id,
        subject="",
        type_id=next(k.id for k in state.kinds.values() if k.is_default),
        status_id=next(s.id for s in state.statuses.values() if s.is_default),
        priority_id=next(p.id for p in state.priorities.values() if p.is_default),
        author_id=API_USER,
        created_at=call.now,
        updated_at=call.now,
    )


def _written(
    call: Call, original: WorkPackage, *, creating: bool
) -> tuple[WorkPackage, list[dict[str, Any]]]:
    writer = Writer(call.state, original, creating=creating)
    draft = writer.apply(call.body)
    return draft, writer.validate()


def form(call: Call) -> Reply:
    project = _creation_project(call)
    call.require_write(project, CREATE_DENIED)
    draft, errors = _written(call, _new_draft(call, project), creating=True)
    return Reply(200, form_json(call.state, draft, errors))


def create(call: Call) -> Reply:
    project = _creation_project(call)
    call.require_write(project, CREATE_DENIED)
    draft, errors = _written(call, _new_draft(call, project), creating=True)
    if errors:
        raise ApiError.many(errors)
    wp = call.state.add(draft, call.now)
    return Reply(201, work_package_json(call.state, wp, writable=True))


def _work_package(call: Call) -> WorkPackage:
    wp = call.state.work_packages.get(int(call.args["wp"]))
    if wp is None:
        raise not_found("work package")
    return wp


def _render(call: Call, wp: WorkPackage) -> dict[str, Any]:
    return work_package_json(call.state, wp, writable=call.may_write(call.state.projects[wp.project_id]))


def get(call: Call) -> Reply:
    return Reply(200, _render(call, _work_package(call)))


def _lock_version(body: dict[str, Any]) -> int | None:
    value = body.get("lockVersion")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def patch(call: Call) -> Reply:
    wp = _work_package(call)
    call.require_write(call.state.projects[wp.project_id], EDIT_DENIED)
    if call.conflict or _lock_version(call.body) != wp.lock_version:
        raise ApiError.of("UpdateConflict", CONFLICT)
    draft, errors = _written(call, wp, creating=False)
    if errors:
        raise ApiError.many(errors)
    details = describe_changes(call.state, wp, draft)
    saved = call.state.save(draft, API_USER, details, call.now) if details else wp
    return Reply(200, _render(call, saved))


def delete(call: Call) -> Reply:
    wp = _work_package(call)
    call.require_write(call.state.projects[wp.project_id], DELETE_DENIED)
    call.state.delete(wp.id)
    return Reply(204)


def listing(call: Call) -> Reply:
    state, settings = call.state, call.settings
    project_id = project_of(call).id if "project" in call.args else None
    query = parse(state, call.request.query, settings.default_page_size, settings.max_page_size)
    found = select(state, query, project_id)
    page = [_render(call, wp) for wp in page_of(found, query)]
    return Reply(200, paged(page, len(found), query, call.request.path))


def activities(call: Call) -> Reply:
    wp = _work_package(call)
    entries = [activity_json(call.state, entry) for entry in call.state.activities[wp.id]]
    return Reply(200, collection(entries, f"{API}/work_packages/{wp.id}/activities"))


def comment(call: Call) -> Reply:
    wp = _work_package(call)
    call.require_write(call.state.projects[wp.project_id], COMMENT_DENIED)
    value = call.body.get("comment")
    raw = value.get("raw") if isinstance(value, dict) else None
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError.of("PropertyConstraintViolation", "Comment can't be blank.", "comment")
    entry = call.state.journal(wp.id, API_USER, call.now, comment=raw)
    return Reply(201, activity_json(call.state, entry))
