"""Safe templates: ``{{ name }}`` and ``{{ name.sub.key }}`` substitution, nothing else.

There is no code, no filters, no attribute access and no ``str.format``: a placeholder is a
dotted path looked up in the task's variables (mapping keys and list indices only), then by
the whole name among the scope's other names (extension properties, facts about the task).
Substitution is a single pass, so a value that itself contains ``{{ … }}`` is never
expanded. A missing name is a ``PermanentError`` naming the variable, the template's origin
and the activity. Every system fills its texts here (task titles, URLs, prompts, SMS texts).

    scope = Scope(ctx.variables, ctx.properties, activity=ctx.activity_label)
    Template("https://api/{{ city }}?units={{ options.units }}", origin=...).render(scope, escape=quote)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from core.errors import PermanentError
from core.paths import MISSING, get_path

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
T = TypeVar("T")


class NotSubstitutable(TypeError):
    """A value a style cannot spell; the engine names the variable and the origin."""


def json_text(value: Any) -> str:
    """Machine text (URLs, bodies): JSON spelling for null, booleans and structures."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | Mapping | list | tuple):
        return json.dumps(json_value(value), ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise NotSubstitutable(type(value).__name__)


def json_value(value: Any) -> Any:
    """A value inside a JSON structure: kept as is when JSON can carry it."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    raise NotSubstitutable(type(value).__name__)


def prose_text(value: Any) -> str:
    """Text people read (task titles, descriptions): yes/no, ISO dates, structures as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@dataclass(frozen=True)
class Style:
    """How substituted values are spelled: as text, and as a whole-placeholder value."""

    text: Callable[[Any], str]
    value: Callable[[Any], Any]
    null_is_missing: bool  # a person's text has no use for "null"


JSON = Style(json_text, json_value, null_is_missing=False)
PROSE = Style(prose_text, lambda value: value, null_is_missing=True)


@dataclass(frozen=True)
class Scope:
    """Where placeholders are looked up: variables by path first, then other names whole."""

    variables: Mapping[str, Any]
    names: Mapping[str, Any] = field(default_factory=dict)
    activity: str | None = None  # named in errors, so an operator knows where to look
    style: Style = JSON

    def lookup(self, path: str, origin: str) -> Any:
        value = get_path(self.variables, path)
        if value is MISSING:
            value = self.names.get(path, MISSING)
        if value is MISSING or (value is None and self.style.null_is_missing):
            raise PermanentError(f"{origin}: template variable {path!r} is missing{self._in_activity()}")
        return value

    def text(self, path: str, origin: str) -> str:
        return self._spelled(self.style.text, path, origin)

    def value(self, path: str, origin: str) -> Any:
        return self._spelled(self.style.value, path, origin)

    def _spelled(self, spell: Callable[[Any], T], path: str, origin: str) -> T:
        value = self.lookup(path, origin)
        try:
            return spell(value)
        except NotSubstitutable as err:
            raise PermanentError(
                f"{origin}: template variable {path!r} is a {err}, not text or JSON{self._in_activity()}"
            ) from None

    def _in_activity(self) -> str:
        return f" (activity {self.activity})" if self.activity else ""


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
                text = scope.text(path, self.origin)
                pieces.append(escape(text) if escape else text)
        return "".join(pieces)


def render(text: str, scope: Scope, origin: str) -> str:
    """``text`` with every placeholder replaced by its value as text."""
    return Template(text, origin=origin).render(scope)


def render_value(text: str, scope: Scope, origin: str) -> Any:
    """Like :func:`render`, but one placeholder alone (blanks around it aside) keeps its type."""
    path = Template(text.strip(), origin=origin).whole_path
    return render(text, scope, origin) if path is None else scope.value(path, origin)


def render_json(value: Any, scope: Scope, origin: str) -> Any:
    """Render the strings inside a JSON structure; ``"{{ x }}"`` alone keeps x's JSON type."""
    if isinstance(value, str):
        template = Template(value, origin=origin)
        path = template.whole_path  # exact: inside JSON, blanks around a placeholder are data
        return template.render(scope) if path is None else scope.value(path, origin)
    if isinstance(value, Mapping):
        return {render_json(k, scope, origin): render_json(v, scope, origin) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render_json(item, scope, origin) for item in value]
    return value
