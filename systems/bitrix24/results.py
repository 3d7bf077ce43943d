"""Result texts of closed tasks (``tasks.task.result.list``), 50 tasks per ``batch`` request.

Used by the tracker (the result of a finished task) and by the creator (earlier results of
the same process instance in a new task's description).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loguru import logger

from systems.bitrix24.client import Bitrix24Client, rows_of
from systems.bitrix24.errors import Bitrix24Error
from systems.bitrix24.settings import TaskOptions

RESULT_LIST = "tasks.task.result.list"


def latest_result_texts(client: Bitrix24Client, task_ids: Iterable[int]) -> dict[int, str]:
    """The newest result text per task; tasks without a result (or whose call failed) are absent."""
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        return {}
    answers = client.batch({f"r{task_id}": (RESULT_LIST, {"taskId": task_id}) for task_id in ids})
    texts: dict[int, str] = {}
    for task_id in ids:
        key = f"r{task_id}"
        if key in answers.errors:
            logger.warning("bitrix24 task {}: results not read: {}", task_id, answers.errors[key])
            continue
        try:
            rows = rows_of(RESULT_LIST, answers.results.get(key, []))
        except Bitrix24Error as err:
            logger.warning("bitrix24 task {}: results not read: {}", task_id, err)
            continue
        text = _latest(rows)
        if text:
            texts[task_id] = text
    return texts


def _latest(rows: list[dict[str, Any]]) -> str | None:
    """The text of the newest result (by creation time, then id)."""
    if not rows:
        return None
    newest = max(rows, key=lambda row: (str(row.get("createdAt") or ""), _number(row.get("id"))))
    text = newest.get("text") or newest.get("formattedText")
    return str(text).strip() if text else None


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def earlier_query(options: TaskOptions, process_instance_id: str) -> tuple[str, dict[str, Any]] | None:
    """The ``tasks.task.list`` call that finds the instance's tasks; None without the instance field."""
    field = options.fields.process_instance_id
    if not field:
        return None
    params = {
        "filter": {field: process_instance_id},
        "select": ["ID", "TITLE", "STATUS"],
        "order": {"ID": "asc"},
    }
    return "tasks.task.list", params


def earlier_results(
    client: Bitrix24Client, options: TaskOptions, tasks: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    """(title, result text) of the done ones among the instance's ``tasks``, oldest first."""
    done = [task for task in tasks if _status(task) in options.done_statuses]
    texts = latest_result_texts(client, (int(task["id"]) for task in done))
    return [
        (str(task.get("title") or task["id"]), texts[int(task["id"])])
        for task in done
        if int(task["id"]) in texts
    ]


def _status(task: Mapping[str, Any]) -> int:
    return _number(task.get("status"))
