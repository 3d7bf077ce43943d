"""Safe text templates: ``{{ name }}`` and ``{{ name.key.0 }}`` substitution, nothing else.

No code, filters or attribute access: a placeholder is a dotted path looked up in the
process variables (mapping keys and list indices), then among a few facts about the task
(``process_name``, ``process_instance_id``…). One pass only, so a substituted value that
contains ``{{ … }}`` is never expanded. A missing name raises a ``PermanentError`` that names
the template's origin (``extension property bitrix.title``) and the variable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.errors import PermanentError

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_MISSING = object()


@dataclass(frozen=True)
class Scope:
    """Where placeholders are looked up: process variables first, then task facts."""

    variables: Mapping[str, Any]
    facts: Mapping[str, Any]

    def lookup(self, path: str) -> Any:
        value = _get_path(self.variables, path)
        return self.facts.get(path, _MISSING) if value is _MISSING else value


def render(text: str, scope: Scope, origin: str) -> str:
    """``text`` with every placeholder replaced by its value as text."""
    pieces: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces.append(text[position : match.start()])
        path = _checked_path(match.group(1), origin)
        value = scope.lookup(path)
        if value is _MISSING or value is None:
            raise PermanentError(f"bitrix24: {origin}: variable {path!r} is missing")
        pieces.append(as_text(value))
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


def render_value(text: str, scope: Scope, origin: str) -> Any:
    """Like :func:`render`, but ``"{{ x }}"`` alone keeps x's own type (a list stays a list)."""
    whole = _PLACEHOLDER.fullmatch(text.strip())
    if whole is None:
        return render(text, scope, origin)
    path = _checked_path(whole.group(1), origin)
    value = scope.lookup(path)
    if value is _MISSING or value is None:
        raise PermanentError(f"bitrix24: {origin}: variable {path!r} is missing")
    return value


def as_text(value: Any) -> str:
    """A value as it reads in a task: dates in ISO 8601, structures as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _checked_path(inner: str, origin: str) -> str:
    path = inner.strip()
    if not _PATH.fullmatch(path):
        raise PermanentError(
            f"bitrix24: {origin}: {{{{ {path[:40]} }}}} is not a placeholder; "
            "only {{ name }} or {{ name.key }} are allowed"
        )
    return path


def _get_path(root: Mapping[str, Any], path: str) -> Any:
    """Follow ``a.b.0`` through mappings and lists; ``_MISSING`` when any step is absent."""
    node: Any = root
    for step in path.split("."):
        if isinstance(node, Mapping) and step in node:
            node = node[step]
        elif isinstance(node, list | tuple) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return _MISSING
    return node
