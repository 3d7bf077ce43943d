"""PHP-style query strings (``filter[>ID]=5&select[]=ID``) parsed into nested dicts and lists.

Bitrix24 reads form bodies, GET query strings and ``batch`` commands with PHP's
``parse_str``; this does the same, and turns maps with keys 0..n-1 into lists the way
PHP's ``json_encode`` shows them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\]]*\])*)$")
_PART = re.compile(r"\[([^\]]*)\]")


def parse_php_query(query: str) -> dict[str, Any]:
    """Parse ``query`` (still percent-encoded) into nested parameters."""
    root: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        _assign(root, _split(name), value)
    return {key: listify(value) for key, value in root.items()}


def _split(name: str) -> list[str]:
    match = _KEY.match(name)
    if match is None:
        return [name]
    return [match.group(1), *_PART.findall(match.group(2))]


def _next_index(node: dict[str, Any]) -> str:
    return str(max((int(k) for k in node if k.isdigit()), default=-1) + 1)


def _assign(node: dict[str, Any], keys: list[str], value: str) -> None:
    for key in keys[:-1]:
        key = key or _next_index(node)
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1] or _next_index(node)] = value


def listify(value: Any) -> Any:
    """Maps keyed exactly "0".."n-1" become lists, recursively (PHP arrays in JSON)."""
    if not isinstance(value, dict):
        return value
    items = {key: listify(item) for key, item in value.items()}
    if items and list(items) == [str(i) for i in range(len(items))]:
        return list(items.values())
    return items
