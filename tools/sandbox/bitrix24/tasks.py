"""``tasks.task.*``: add, get, update, list and the status transitions.

Requests use UPPER_SNAKE field names; answers use camelCase keys with string values, user
fields (``UF_*``) only when selected, and ``tasks.task.get`` of a missing task answers
200 ``{"result": []}``.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from tools.sandbox.bitrix24.filters import matches, sort_key
from tools.sandbox.bitrix24.protocol import (
    Answer,
    ApiError,
    Call,
    Method,
    as_list,
    as_map,
    camel,
    core_error,
    iso,
    lookup,
    page,
    text,
    to_int,
)
from tools.sandbox.bitrix24.state import State, TaskRecord

NOT_ALLOWED = ApiError(400, "0", "Action on the task is not allowed")


def task_value(task: TaskRecord, field: str) -> Any:
    """A task's value for an UPPER_SNAKE filter or order field."""
    if field == "ID":
        return task.id
    if field in ("REAL_STATUS", "STATUS"):
        return task.fields.get("status")
    if field.startswith("UF_"):
        return task.uf.get(field)
    if field == "MEMBER":
        people = [task.fields.get("createdBy"), task.fields.get("responsibleId")]
        return people + task.fields.get("accomplices", []) + task.fields.get("auditors", [])
    return task.fields.get(camel(field))


def render(task: TaskRecord, select: list[Any]) -> dict[str, Any]:
    """The task as answered: every standard field, or the selected ones (``*``, ``UF_*`` work)."""
    if not select:
        return dict(task.fields)
    out: dict[str, Any] = {"id": task.fields["id"]}
    for name in (str(s) for s in select):
        upper = name.upper()
        if name == "*":
            out.update(task.fields)
        elif upper == "UF_*":
            out.update({camel(k): v for k, v in task.uf.items()})
        elif upper.startswith("UF_"):
            out[camel(upper)] = task.uf.get(upper)
        else:
            key = "status" if upper == "REAL_STATUS" else camel(name)
            if key in task.fields:
                out[key] = task.fields[key]
    return out


def _check_user(state: State, value: Any, missing: str) -> int:
    user_id = to_int(value)
    if not user_id:
        raise core_error(f"{missing}<br>")
    if user_id not in state.users:
        raise core_error("User specified in the Responsible field not found<br>")
    return user_id


def apply_fields(state: State, task: TaskRecord, fields: dict[str, Any]) -> None:
    """Store request fields: UF_* as user fields, SE_* aside, the rest as camelCase strings."""
    for key, value in fields.items():
        name = str(key).upper()
        if name.startswith("UF_"):
            task.uf[name] = text(value)
        elif name.startswith("SE_") or name == "ID":
            task.extra[name] = value
        elif name in ("STATUS", "REAL_STATUS"):
            task.fields["status"] = task.fields["subStatus"] = text(value)
        else:
            task.fields[camel(name)] = text(value)
    task.fields["creator"] = state.user_brief(task.fields["createdBy"])
    task.fields["responsible"] = state.user_brief(task.fields["responsibleId"])


def _blank_task(task_id: int, author: str, now: float) -> dict[str, Any]:
    stamp = iso(now)
    return {
        "id": str(task_id), "parentId": "0", "title": "", "description": "", "mark": None,
        "priority": "1", "multitask": "N", "notViewed": "N", "replicate": "N", "stageId": "0",
        "groupId": "0", "createdBy": author, "createdDate": stamp, "responsibleId": author,
        "changedBy": author, "changedDate": stamp, "statusChangedBy": author,
        "statusChangedDate": stamp, "closedBy": None, "closedDate": None, "activityDate": stamp,
        "dateStart": None, "deadline": None, "startDatePlan": None, "endDatePlan": None,
        "guid": "{" + str(uuid.uuid4()).upper() + "}", "xmlId": None, "commentsCount": "0",
        "taskControl": "N", "allowChangeDeadline": "N", "status": "2", "subStatus": "2",
        "auditors": [], "accomplices": [], "tags": [],
    }  # fmt: skip


def _fields_param(params: dict[str, Any]) -> dict[str, Any]:
    fields = as_map(lookup(params, "fields"))
    if not fields:
        raise ApiError(400, "100", "Could not find value for parameter {fields}")
    return fields


def task_add(call: Call, params: dict[str, Any]) -> Answer:
    fields = _fields_param(params)
    if not str(lookup(fields, "TITLE") or "").strip():
        raise core_error("Task title is not specified<br>")
    _check_user(call.state, lookup(fields, "RESPONSIBLE_ID"), "Responsible person not specified")
    author = str(to_int(lookup(fields, "CREATED_BY")) or call.user_id)
    task_id = call.state.next_id("task")
    task = TaskRecord(task_id, _blank_task(task_id, author, call.now))
    apply_fields(call.state, task, fields)
    if call.state.auto_close_after_s is not None:
        task.close_at = call.now + call.state.auto_close_after_s
    call.state.tasks[task_id] = task
    return Answer({"task": render(task, [])})


def existing_task(state: State, params: dict[str, Any]) -> TaskRecord | None:
    """The task named by ``taskId``; 400 when the parameter is absent or not an id."""
    raw = lookup(params, "taskId", 0)
    if raw is None or raw == "":
        raise ApiError(400, "100", "Could not find value for parameter {taskId}")
    task_id = to_int(raw)
    if task_id is None or task_id <= 0:
        raise ApiError(400, "0", "wrong task id")
    return state.tasks.get(task_id)


def task_get(call: Call, params: dict[str, Any]) -> Answer:
    task = existing_task(call.state, params)
    if task is None:
        return Answer([])  # the documented quirk: a missing task is not an error
    return Answer({"task": render(task, as_list(lookup(params, "select")))})


def task_update(call: Call, params: dict[str, Any]) -> Answer:
    task = existing_task(call.state, params)
    fields = _fields_param(params)
    if task is None:
        raise NOT_ALLOWED
    if lookup(fields, "RESPONSIBLE_ID") is not None:
        _check_user(call.state, lookup(fields, "RESPONSIBLE_ID"), "Responsible person not specified")
    apply_fields(call.state, task, fields)
    task.fields.update(changedBy=call.user_id, changedDate=iso(call.now))
    return Answer({"task": render(task, [])})


def _order_key(task: TaskRecord, field: str) -> tuple[int, float, str]:
    return sort_key(task_value(task, field))


def task_list(call: Call, params: dict[str, Any]) -> Answer:
    conditions = as_map(lookup(params, "filter"))
    rows = [t for t in call.state.tasks.values() if matches(partial(task_value, t), conditions)]
    order = as_map(lookup(params, "order")) or {"ID": "asc"}
    for field, direction in reversed(list(order.items())):
        descending = str(direction).lower() == "desc"
        rows.sort(key=partial(_order_key, field=str(field).upper()), reverse=descending)
    select = as_list(lookup(params, "select"))
    found = page(rows, lookup(params, "start"))
    if "ID" in conditions:  # a status poll (a tracker asks for its items by id): note when each was read
        for task in found.result:
            task.reads.append(call.now)
    return Answer({"tasks": [render(t, select) for t in found.result]}, found.total, found.next)


def _transition(call: Call, params: dict[str, Any], allowed_from: tuple[str, ...], to: str) -> Answer:
    task = existing_task(call.state, params)
    if task is None or task.fields.get("status") not in allowed_from:
        raise NOT_ALLOWED
    call.state.close_task(task, call.user_id, call.now, status=to)
    return Answer({"task": render(task, [])})


def task_complete(call: Call, params: dict[str, Any]) -> Answer:
    task = existing_task(call.state, params)
    # With control on, an assignee's "complete" waits for the creator's approval (status 4).
    control = task is not None and task.fields.get("taskControl") == "Y"
    if control and task is not None and task.fields.get("createdBy") != call.user_id:
        return _transition(call, params, ("1", "2", "3", "6"), "4")
    return _transition(call, params, ("1", "2", "3", "4", "6"), "5")


def task_defer(call: Call, params: dict[str, Any]) -> Answer:
    return _transition(call, params, ("1", "2", "3"), "6")


def task_approve(call: Call, params: dict[str, Any]) -> Answer:
    return _transition(call, params, ("4",), "5")


METHODS: dict[str, Method] = {
    "tasks.task.add": task_add,
    "tasks.task.get": task_get,
    "tasks.task.update": task_update,
    "tasks.task.list": task_list,
    "tasks.task.complete": task_complete,
    "tasks.task.defer": task_defer,
    "tasks.task.approve": task_approve,
}
