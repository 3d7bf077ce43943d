"""Safe templates: ``{{ name }}`` and ``{{ name.sub.key }}`` substitution, nothing else.

There is no code, no filters, no attribute access and no ``str.format``: a placeholder is a
dotted path looked up in the task's variables (mapping keys and list indices only), then in
its extension properties by the whole name. Substitution is a single pass, so a value that
itself contains ``{{ … }}`` is never expanded. A missing name is a ``PermanentError``.

    Template("https://api/{{ city }}?units={{ options.units }}", origin=...).render(scope, escape=quote)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.errors import PermanentError
from systems.python.paths import MISSING, get_path

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


@dataclass(frozen=True)
class Scope:
    """Where placeholders are looked up: variables first, then extension properties."""

    variables: Mapping[str, Any]
    properties: Mapping[str, str]

    def lookup(self, path: str, origin: str) -> Any:
        value = get_path(self.variables, path)
        if value is MISSING:
            value = self.properties.get(path, MISSING)
        if value is MISSING:
            raise PermanentError(f"{origin}: template variable {path!r} is missing")
        return value


class Template:
    """A parsed template: literal text and placeholder paths, alternating."""

    def __init__(self, text: str, *, origin: str) -> None:
        self.origin = origin
        self._parts: list[tuple[str, str | None]] = []  # (literal before, path or None at the end)
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            self._parts.append((text[position : match.start()], self._path(match.group(1))))
            position = match.end()
        self._parts.append((text[position:], None))

    def _path(self, inner: str) -> str:
        path = inner.strip()
        if not _PATH.fullmatch(path):
            raise PermanentError(
                f"{self.origin}: {{{{ {path[:40]} }}}} is not a placeholder; only {{{{ name }}}} "
                "or {{ name.sub.key }} are allowed"
            )
        return path

    @property
    def whole_path(self) -> str | None:
        """The path when the template is exactly one placeholder (``"{{ x }}"``), else None."""
        if len(self._parts) == 2 and self._parts[0][0] == "" and self._parts[1][0] == "":
            return self._parts[0][1]
        return None

    def render(self, scope: Scope, *, escape: Callable[[str], str] | None = None) -> str:
        """Substitute every placeholder as text, passed through ``escape`` when given."""
        pieces: list[str] = []
        for literal, path in self._parts:
            pieces.append(literal)
            if path is not None:
                text = as_text(scope.lookup(path, self.origin), path, self.origin)
                pieces.append(escape(text) if escape else text)
        return "".join(pieces)


def render_json(value: Any, scope: Scope, origin: str) -> Any:
    """Render the strings inside a JSON structure; ``"{{ x }}"`` alone keeps x's JSON type."""
    if isinstance(value, str):
        template = Template(value, origin=origin)
        path = template.whole_path
        if path is None:
            return template.render(scope)
        return as_json_value(scope.lookup(path, origin), path, origin)
    if isinstance(value, Mapping):
        return {render_json(k, scope, origin): render_json(v, scope, origin) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render_json(item, scope, origin) for item in value]
    return value


def as_text(value: Any, path: str, origin: str) -> str:
    """A substituted value as text: JSON spelling for null, booleans and structures."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | Mapping | list | tuple):
        return json.dumps(as_json_value(value, path, origin), ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise _not_substitutable(value, path, origin)


def as_json_value(value: Any, path: str, origin: str) -> Any:
    """A substituted value inside a JSON body: kept as is when JSON can carry it."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): as_json_value(v, path, origin) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json_value(item, path, origin) for item in value]
    raise _not_substitutable(value, path, origin)


def _not_substitutable(value: Any, path: str, origin: str) -> PermanentError:
    return PermanentError(
        f"{origin}: template variable {path!r} is a {type(value).__name__}, not text or JSON"
    )
