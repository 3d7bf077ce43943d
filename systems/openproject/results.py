"""From a finished work package to the variables written back to Camunda.

Only the configured names are written (``results.*``; null leaves one out): the work package
id, its status name, when it was closed (its ``updatedAt`` then), the assignee's name, the
newest comment, ``op_approved`` (true when closed and not rejected, false when rejected: the
answer a yes/no gateway reads) and the custom fields mapped back under ``results.custom_fields``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from systems.openproject.catalog import Entry
from systems.openproject.hal import link, moment, resource_id, title
from systems.openproject.settings import OpenProjectSettings


def result_variables(
    work_package: Mapping[str, Any],
    status: Entry,
    rejected: bool,
    comment: str | None,
    settings: OpenProjectSettings,
) -> dict[str, Any]:
    names = settings.results
    values: dict[str | None, Any] = {
        names.work_package_id: resource_id(work_package),
        names.status: status.name,
        names.closed_at: moment(work_package.get("updatedAt")) if status.closed else None,
        names.assignee: title(work_package, "assignee"),
        names.last_comment: comment,
        names.approved: not rejected,
    }
    values.pop(None, None)
    written = {name: value for name, value in values.items() if name}
    for key, variable in names.custom_fields.items():
        written[variable] = custom_field_value(work_package, key)
    return written


def custom_field_value(work_package: Mapping[str, Any], key: str) -> Any:
    """A custom field as a plain value: text of a long text, titles of linked list values."""
    if key in work_package:
        value = work_package[key]
        return value.get("raw") if isinstance(value, Mapping) else value
    links = work_package.get("_links")
    linked = links.get(key) if isinstance(links, Mapping) else None
    if isinstance(linked, list):
        return [str(item.get("title")) for item in linked if isinstance(item, Mapping) and item.get("title")]
    return title(work_package, key) if link(work_package, key) else None


def latest_comment(activities: Sequence[Mapping[str, Any]]) -> str | None:
    """The raw text of the newest activity that carries a comment (by time, then id)."""
    commented = [a for a in activities if _comment(a)]
    if not commented:
        return None
    newest = max(commented, key=lambda a: (str(a.get("createdAt") or ""), resource_id(a) or 0))
    return _comment(newest)


def _comment(activity: Mapping[str, Any]) -> str | None:
    comment = activity.get("comment")
    raw = comment.get("raw") if isinstance(comment, Mapping) else None
    text = str(raw).strip() if raw else ""
    return text or None
