"""From a Bitrix24 task (``tasks.task.list`` answer, camelCase keys) to the Camunda result.

Done is status 5 (completed), or 4 (awaiting control) too when ``accept_awaiting_control``.
The result variables are the task id, status, who closed it and when, the newest result
text and the configured yes/no field as a Boolean (null when the person left it empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from loguru import logger

from systems.bitrix24.client import task_key
from systems.bitrix24.settings import AnswerField, TaskOptions

BASE_SELECT = ("ID", "TITLE", "STATUS", "CLOSED_BY", "CLOSED_DATE", "STATUS_CHANGED_BY")


def select_fields(options: TaskOptions) -> list[str]:
    """The fields a status check asks for."""
    extra = [options.answer.field] if options.answer.field else []
    return [*BASE_SELECT, *extra]


def status_of(task: Mapping[str, Any]) -> int | None:
    try:
        return int(task.get("status") or task.get("realStatus") or "")
    except ValueError:
        return None


def is_done(task: Mapping[str, Any], options: TaskOptions) -> bool:
    return status_of(task) in options.done_statuses


def answer_value(raw: Any, answer: AnswerField) -> bool | None:
    """The yes/no field as a Boolean: configured values first, then the yes/no words."""
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if isinstance(raw, bool):
        return raw
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    if text in answer.values:
        return answer.values[text]
    folded = text.casefold()
    if folded in answer.yes:
        return True
    if folded in answer.no:
        return False
    logger.warning("bitrix24 answer field {}: value {!r} is neither yes nor no", answer.field, text[:40])
    return None


def result_variables(
    task: Mapping[str, Any], result_text: str | None, options: TaskOptions
) -> dict[str, Any]:
    """The variables written back to Camunda for a done task (only the configured names)."""
    names = options.results
    values: dict[str, Any] = {
        names.task_id or "": _int(task.get("id")),
        names.status or "": status_of(task),
        names.closed_by or "": _int(task.get("closedBy")) or _int(task.get("statusChangedBy")),
        names.closed_date or "": _moment(task.get("closedDate"), options.zone),
        names.result or "": result_text,
    }
    if options.answer.field:
        raw = task.get(task_key(options.answer.field))
        values[names.answer or ""] = answer_value(raw, options.answer)
    values.pop("", None)
    return values


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number or None


def _moment(value: Any, zone: tzinfo) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        logger.warning("bitrix24: closed date {!r} is not ISO 8601", str(value)[:40])
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
