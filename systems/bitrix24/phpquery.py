"""``batch`` commands: a method and its parameters as a PHP query string."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

#: One ``batch`` command: ``(method, params)``.
Command = tuple[str, Mapping[str, Any]]


def php_query(params: Mapping[str, Any]) -> str:
    """Encode like PHP's ``http_build_query``: ``filter[>ID]=5``, ``select[0]=ID``.

    Key parts and values are percent-encoded (``>=`` in a key must not read as ``=``), the
    brackets stay literal. ``None`` is left out and booleans become 1/0, as PHP does.
    """
    pairs: list[str] = []
    for key, value in params.items():
        _flatten(quote(str(key), safe=""), value, pairs)
    return "&".join(pairs)


def _flatten(prefix: str, value: Any, out: list[str]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}[{quote(str(key), safe='')}]", item, out)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, out)
    else:
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        out.append(f"{prefix}={quote(text, safe='')}")


def encode_command(method: str, params: Mapping[str, Any] | None = None) -> str:
    """One ``batch`` command: the method and its parameters as a PHP query string."""
    query = php_query(params or {})
    return f"{method}?{query}" if query else method
