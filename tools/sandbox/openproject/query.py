"""Work package collections: ``filters``, ``sortBy``, ``offset`` (a 1-based page) and ``pageSize``.

Without ``filters`` the default applies: open work packages only (``status`` operator ``o``);
``filters=[]`` lists all. Supported filters (names as the API or the old ``*_id`` forms):
``id`` (= !), ``status`` (o c = ! *), ``type`` / ``priority`` / ``project`` (= !),
``assignee`` (= ! * !*, the value ``me`` for the token's user), ``subject`` (~ !~),
``customFieldN`` / ``cf_N`` (= ! ~ !~ * !*), ``updatedAt`` (<>d: from and to, either may be empty).
Anything else, or JSON that does not parse, is 400 ``InvalidQuery``. ``pageSize`` is capped at
the instance's maximum. Links: self, jumpTo, changeSize, nextByOffset, previousByOffset
(lib/api/decorators/offset_paginated_collection.rb, tags/collections.yml).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tools.sandbox.openproject.hal import ApiError, parse_stamp
from tools.sandbox.openproject.seed import API_USER
from tools.sandbox.openproject.state import State, WorkPackage

DEFAULT_FILTERS = '[{"status":{"operator":"o","values":[]}}]'
ALIASES = {
    "status_id": "status",
    "type_id": "type",
    "priority_id": "priority",
    "project_id": "project",
    "assigned_to": "assignee",
    "assigned_to_id": "assignee",
    "updated_at": "updatedAt",
}
OPERATORS = {
    "id": ("=", "!"),
    "status": ("o", "c", "=", "!", "*"),
    "type": ("=", "!"),
    "priority": ("=", "!"),
    "project": ("=", "!"),
    "assignee": ("=", "!", "*", "!*"),
    "subject": ("~", "!~"),
    "updatedAt": ("<>d",),
    "customField": ("=", "!", "~", "!~", "*", "!*"),
}
SORTS: dict[str, Callable[[WorkPackage], Any]] = {
    "id": lambda wp: wp.id,
    "updatedAt": lambda wp: wp.updated_at,
    "updated_at": lambda wp: wp.updated_at,
    "createdAt": lambda wp: wp.created_at,
    "created_at": lambda wp: wp.created_at,
    "subject": lambda wp: wp.subject.lower(),
    "status": lambda wp: wp.status_id,
    "priority": lambda wp: wp.priority_id,
}
Match = Callable[[WorkPackage], bool]


@dataclass
class Query:
    matches: list[Match]
    sort: list[tuple[str, str]]
    offset: int
    page_size: int
    params: dict[str, str]  # as the links repeat them


def invalid(message: str) -> ApiError:
    return ApiError.of("InvalidQuery", message)


def parse(state: State, params: Mapping[str, str], default_size: int, max_size: int) -> Query:
    """The query of a collection request; ApiError (400 InvalidQuery) when it cannot be read."""
    filters_text = params.get("filters", DEFAULT_FILTERS)
    sort_text = params.get("sortBy", '[["id","asc"]]')
    offset = _integer(params.get("offset", "1"), "offset")
    size = _integer(params.get("pageSize", str(default_size)), "pageSize")
    query = Query(
        matches=[_filter(state, item) for item in _json_list(filters_text, "filters")],
        sort=[_sort(item) for item in _json_list(sort_text, "sortBy")],
        offset=max(offset, 1),
        page_size=min(max(size, 0), max_size),
        params={},
    )
    query.params = {"filters": filters_text, "offset": str(query.offset), "pageSize": str(query.page_size)}
    if "sortBy" in params:
        query.params["sortBy"] = sort_text
    return query


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise invalid(f"{name} must be an integer, got '{text}'.") from None


def _json_list(text: str, name: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid(f"{name} is not valid JSON: {text[:100]}") from None
    if not isinstance(value, list):
        raise invalid(f"{name} must be a JSON array.")
    return value


def _sort(item: Any) -> tuple[str, str]:
    if not (isinstance(item, list) and len(item) == 2 and item[0] in SORTS and item[1] in ("asc", "desc")):
        raise invalid(f"Sort by {json.dumps(item)} is not set to one of the allowed values.")
    return str(item[0]), str(item[1])


def _filter(state: State, item: Any) -> Match:
    if not (isinstance(item, dict) and len(item) == 1):
        raise invalid("Each filter must be an object with one filter name.")
    raw_name, spec = next(iter(item.items()))
    name = ALIASES.get(str(raw_name), str(raw_name))
    field = state.custom_field(name)
    family = "customField" if field is not None else name
    if family not in OPERATORS or not isinstance(spec, dict):
        raise invalid(f"Filters {raw_name} filter does not exist.")
    operator, values = spec.get("operator"), spec.get("values") or []
    if not isinstance(operator, str) or operator not in OPERATORS[family]:
        raise invalid(f"Filters {raw_name} Operator is not set to one of the allowed values.")
    if not isinstance(values, list) or (operator in ("=", "!", "~", "!~") and not values):
        raise invalid(f"Filters {raw_name} Values can't be blank.")
    texts = [str(v) for v in values]
    if field is not None:
        return _custom_match(field.id, operator, texts)
    return _match(state, name, operator, texts)


def _equal_or_not(getter: Callable[[WorkPackage], Any], operator: str, values: list[str]) -> Match:
    def match(wp: WorkPackage) -> bool:
        return (str(getter(wp)) in values) == (operator == "=")

    return match


def _match(state: State, name: str, operator: str, values: list[str]) -> Match:
    if name == "status" and operator in ("o", "c", "*"):
        return lambda wp: operator == "*" or state.is_closed(wp) == (operator == "c")
    if name == "subject":
        needle = values[0].lower()
        return lambda wp: (needle in wp.subject.lower()) == (operator == "~")
    if name == "updatedAt":
        return _between(values)
    if name == "assignee":
        values = [str(API_USER) if v == "me" else v for v in values]
        if operator in ("*", "!*"):
            return lambda wp: (wp.assignee_id is not None) == (operator == "*")
    getters: dict[str, Callable[[WorkPackage], Any]] = {
        "id": lambda wp: wp.id,
        "status": lambda wp: wp.status_id,
        "type": lambda wp: wp.type_id,
        "priority": lambda wp: wp.priority_id,
        "project": lambda wp: wp.project_id,
        "assignee": lambda wp: wp.assignee_id,
    }
    if name == "project":
        values = [str(p.id) for v in values if (p := state.project(v)) is not None]
    return _equal_or_not(getters[name], operator, values)


def _between(values: list[str]) -> Match:
    try:
        low = parse_stamp(values[0]) if values and values[0] else float("-inf")
        high = parse_stamp(values[1]) if len(values) > 1 and values[1] else float("inf")
    except ValueError:
        raise invalid("Filters updatedAt Values is not a valid date time.") from None
    return lambda wp: low <= wp.updated_at <= high


def _custom_match(field_id: int, operator: str, values: list[str]) -> Match:
    if operator in ("*", "!*"):
        return lambda wp: (wp.custom.get(field_id) not in (None, "")) == (operator == "*")
    if operator in ("~", "!~"):
        needle = values[0].lower()
        return lambda wp: (needle in str(wp.custom.get(field_id) or "").lower()) == (operator == "~")
    return _equal_or_not(lambda wp: wp.custom.get(field_id), operator, values)


def select(state: State, query: Query, project_id: int | None) -> list[WorkPackage]:
    """Every work package the query matches, sorted (all pages)."""
    found = [
        wp
        for wp in state.work_packages.values()
        if (project_id is None or wp.project_id == project_id) and all(m(wp) for m in query.matches)
    ]
    for key, direction in reversed(query.sort):
        found.sort(key=SORTS[key], reverse=direction == "desc")
    return found


def page_of(found: list[WorkPackage], query: Query) -> list[WorkPackage]:
    """The work packages on page ``query.offset``."""
    start = (query.offset - 1) * query.page_size
    return found[start : start + query.page_size]


def paged(page: list[dict[str, Any]], total: int, query: Query, path: str) -> dict[str, Any]:
    """One page (its elements rendered) of ``total`` as an offset-paginated collection.

    OpenProject names this collection ``WorkPackageCollection``; its shape is the Collection's.
    """

    def href(**changes: str) -> str:
        return f"{path}?{urlencode({**query.params, **changes})}"

    links: dict[str, Any] = {
        "self": {"href": href()},
        "jumpTo": {"href": href(offset="{offset}"), "templated": True},
        "changeSize": {"href": href(pageSize="{size}"), "templated": True},
    }
    if query.page_size and query.offset * query.page_size < total:
        links["nextByOffset"] = {"href": href(offset=str(query.offset + 1))}
    if query.offset > 1:
        links["previousByOffset"] = {"href": href(offset=str(query.offset - 1))}
    return {
        "_type": "WorkPackageCollection",
        "total": total,
        "count": len(page),
        "pageSize": query.page_size,
        "offset": query.offset,
        "_embedded": {"elements": page},
        "_links": links,
    }
