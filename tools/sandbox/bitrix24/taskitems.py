"""Things hung on a task: ``task.commentitem.add``, ``task.checklistitem.add``, ``tasks.task.result.list``.

The legacy ``task.*`` methods take UPPER keys ``TASKID`` and ``FIELDS`` (or the same by
position) and answer the new item's id as a number.
"""

from __future__ import annotations

from typing import Any

from tools.sandbox.bitrix24.protocol import (
    Answer,
    ApiError,
    Call,
    Method,
    as_map,
    core_error,
    iso,
    lookup,
    to_int,
)
from tools.sandbox.bitrix24.state import State, TaskRecord
from tools.sandbox.bitrix24.tasks import existing_task

WRONG_TASK_ID = (
    "TASKS_ERROR_EXCEPTION_#256; Param #0 (taskId) for method ctaskcommentitem::add() expected to be"
    ' of type "integer", but given something else.; 256/TE/WRONG_ARGUMENTS<br>'
)
CHECKLIST_NOT_ALLOWED = (
    "TASKS_ERROR_EXCEPTION_#8; Adding item: action not allowed; 8/TE/ACTION_FAILED_TO_BE_PROCESSED<br>"
)


def _legacy_task(state: State, params: dict[str, Any], refusal: str) -> TaskRecord:
    task_id = to_int(lookup(params, "TASKID", 0))
    if task_id is None or task_id <= 0:
        raise core_error(WRONG_TASK_ID)
    task = state.tasks.get(task_id)
    if task is None:
        raise core_error(refusal)
    return task


def add_comment(state: State, task: TaskRecord, author: Any, message: str, now: float) -> int:
    """Append a comment to ``task``; its id."""
    comment_id = state.next_id("comment")
    task.comments.append(
        {"ID": comment_id, "AUTHOR_ID": str(author), "POST_MESSAGE": message, "POST_DATE": iso(now)}
    )
    task.fields["commentsCount"] = str(len(task.comments))
    return comment_id


def comment_add(call: Call, params: dict[str, Any]) -> Answer:
    task = _legacy_task(call.state, params, "Insufficient permissions to add a comment<br>")
    fields = as_map(lookup(params, "FIELDS", 1))
    message = str(lookup(fields, "POST_MESSAGE") or "").strip()
    if not message:
        raise core_error("Comment text is not specified<br>")
    author = to_int(lookup(fields, "AUTHOR_ID")) or call.user_id
    return Answer(add_comment(call.state, task, author, message, call.now))


def checklist_item_add(call: Call, params: dict[str, Any]) -> Answer:
    task = _legacy_task(call.state, params, CHECKLIST_NOT_ALLOWED)
    fields = as_map(lookup(params, "FIELDS", 1))
    title = str(lookup(fields, "TITLE") or "").strip()
    parent = to_int(lookup(fields, "PARENT_ID")) or 0
    known = {int(item["ID"]) for item in task.checklist}
    if not title or (parent and parent not in known):
        raise core_error(CHECKLIST_NOT_ALLOWED)
    item_id = call.state.next_id("checklist")
    task.checklist.append(
        {
            "ID": str(item_id),
            "TASK_ID": str(task.id),
            "PARENT_ID": str(parent),
            "TITLE": title,
            "SORT_INDEX": str(to_int(lookup(fields, "SORT_INDEX")) or len(task.checklist)),
            "IS_COMPLETE": str(lookup(fields, "IS_COMPLETE") or "N"),
            "IS_IMPORTANT": str(lookup(fields, "IS_IMPORTANT") or "N"),
            "MEMBERS": as_map(lookup(fields, "MEMBERS")),
        }
    )
    return Answer(item_id)


def add_result(state: State, task: TaskRecord, author: Any, message: str, now: float) -> None:
    """A closing result as a person writes it: a comment marked as the task's result."""
    comment_id = add_comment(state, task, author, message, now)
    stamp = iso(now)
    task.results.append(
        {
            "id": state.next_id("result"),
            "taskId": task.id,
            "commentId": comment_id,
            "createdBy": int(author),
            "createdAt": stamp,
            "updatedAt": stamp,
            "status": 0,
            "text": message,
            "formattedText": message,
            "files": [],
        }
    )


def result_list(call: Call, params: dict[str, Any]) -> Answer:
    task = existing_task(call.state, params)
    if task is None:
        raise ApiError(400, "0", "Access denied")
    return Answer(list(task.results))


METHODS: dict[str, Method] = {
    "task.commentitem.add": comment_add,
    "task.checklistitem.add": checklist_item_add,
    "tasks.task.result.list": result_list,
}
