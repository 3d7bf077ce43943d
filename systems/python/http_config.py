"""The settings of one ``http.request`` task, from extension properties and ``http_request``.

Properties are ``http.<key>``; a Json variable ``http_request`` overrides them key by key
(``{"url": …, "headers": {…}}``; the ``http.`` prefix is optional there). Values are checked
here, before any template is rendered; unknown keys are refused (usually a typo).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.actions.context import TaskContext
from core.errors import PermanentError
from systems.python.properties import (
    as_bool,
    as_json,
    as_positive_number,
    invalid,
    property_label,
)

HANDLER = "http.request"
OVERRIDE_VARIABLE = "http_request"
KEYS = ("url", "method", "headers", "body", "body_json", "timeout_s", "response", "ok_statuses")
MAX_TIMEOUT_S = 600.0

Raw = dict[str, tuple[Any, str]]  # key → (raw value, label naming where it came from)


@dataclass(frozen=True)
class HttpSettings:
    """Templates and switches of one call; strings may still hold ``{{ … }}`` placeholders."""

    url: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # a text template, or a JSON structure with templates in its strings
    body_json: bool = False
    timeout_s: float = 30.0
    response: Mapping[str, str] | None = None
    ok_statuses: frozenset[int] = frozenset()


def read_settings(ctx: TaskContext, default_timeout_s: float) -> HttpSettings:
    """Collect, override and validate the settings; every problem names its source."""
    raw = _raw_settings(ctx)
    if "url" not in raw or not str(raw["url"][0]).strip():
        raise invalid(HANDLER, property_label("http.url"), "is missing")
    body, body_label = raw.get("body", (None, ""))
    body_json = _flag(raw, "body_json", default=isinstance(body, dict | list))
    return HttpSettings(
        url=_text(raw, "url", default="").strip(),
        method=_text(raw, "method", default="GET").strip(),
        headers=_headers(raw),
        body=_body(body, body_json, body_label),
        body_json=body_json,
        timeout_s=_timeout(raw, default_timeout_s),
        response=_response_map(raw),
        ok_statuses=_ok_statuses(raw),
    )


def _raw_settings(ctx: TaskContext) -> Raw:
    raw: Raw = {}
    for name, value in ctx.properties.items():
        if name.startswith("http."):
            raw[_known_key(name.removeprefix("http."), property_label(name))] = (value, property_label(name))
    override = ctx.variables.get(OVERRIDE_VARIABLE)
    if override is None:
        return raw
    if not isinstance(override, Mapping):
        raise PermanentError(f"{HANDLER}: variable {OVERRIDE_VARIABLE!r} must be a Json object")
    for name, value in override.items():
        label = f"key {name!r} of variable {OVERRIDE_VARIABLE!r}"
        raw[_known_key(str(name).removeprefix("http."), label)] = (value, label)
    return raw


def _known_key(key: str, label: str) -> str:
    if key not in KEYS:
        raise invalid(HANDLER, label, f"is not an http.request setting (known: {', '.join(KEYS)})")
    return key


def _text(raw: Raw, key: str, *, default: str) -> str:
    if key not in raw:
        return default
    value, label = raw[key]
    if not isinstance(value, str):
        raise invalid(HANDLER, label, "must be text")
    return value


def _flag(raw: Raw, key: str, *, default: bool) -> bool:
    return as_bool(raw[key][0], HANDLER, raw[key][1]) if key in raw else default


def _headers(raw: Raw) -> dict[str, str]:
    if "headers" not in raw:
        return {}
    value, label = raw["headers"]
    headers = as_json(value, dict, HANDLER, label)
    if not all(isinstance(v, str) for v in headers.values()):
        raise invalid(HANDLER, label, "must map header names to text values")
    return {str(name): text for name, text in headers.items()}


def _body(body: Any, body_json: bool, label: str) -> Any:
    if body is None or not body_json:
        if body is not None and not isinstance(body, str):
            raise invalid(HANDLER, label, "must be text unless http.body_json is true")
        return body
    # A JSON body is parsed before rendering so values are substituted as JSON, never spliced in.
    return as_json(body, (dict, list), HANDLER, label)


def _timeout(raw: Raw, default: float) -> float:
    if "timeout_s" not in raw:
        return default
    value, label = raw["timeout_s"]
    return as_positive_number(value, HANDLER, label, maximum=MAX_TIMEOUT_S)


def _response_map(raw: Raw) -> dict[str, str] | None:
    if "response" not in raw:
        return None
    value, label = raw["response"]
    mapping = as_json(value, dict, HANDLER, label)
    if not mapping or not all(isinstance(v, str) and v for v in mapping.values()):
        raise invalid(HANDLER, label, "must map result variable names to non-empty paths")
    for path in mapping.values():
        if path.startswith("$") and not _special_path(path):
            raise invalid(HANDLER, label, f"path {path!r} is not $status, $body or $headers.<Name>")
    return {str(name): path for name, path in mapping.items()}


def _special_path(path: str) -> bool:
    return path in ("$status", "$body") or (path.startswith("$headers.") and len(path) > len("$headers."))


def _ok_statuses(raw: Raw) -> frozenset[int]:
    if "ok_statuses" not in raw:
        return frozenset()
    value, label = raw["ok_statuses"]
    if isinstance(value, str) and not value.strip().startswith("["):
        value = [part.strip() for part in value.split(",") if part.strip()]  # "200, 404"
    codes: set[int] = set()
    for item in as_json(value, list, HANDLER, label):
        code = _status_code(item)
        if code is None:
            raise invalid(HANDLER, label, "must be a list of HTTP status codes (100-599)")
        codes.add(code)
    return frozenset(codes)


def _status_code(item: Any) -> int | None:
    if isinstance(item, str) and item.strip().isdigit():
        item = int(item)
    if isinstance(item, bool) or not isinstance(item, int):
        return None
    return item if 100 <= item <= 599 else None
