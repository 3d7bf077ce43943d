"""What one activity asks for: the prompt filled from variables, the model and its options.

Per activity (extension properties, all optional): ``yandexgpt.prompt`` (else the activity's
documentation), ``yandexgpt.system_prompt``, ``yandexgpt.model``, ``yandexgpt.temperature``,
``yandexgpt.max_tokens``, ``yandexgpt.mode`` (sync / async / auto) and ``yandexgpt.json_schema``
(inline JSON, or the name of a schema in ``options.json_schemas``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from core.actions.context import TaskContext
from core.errors import PermanentError
from core.templates import PROSE, Scope, render
from systems.yandexgpt.settings import Mode, YandexGptSettings

PREFIX = "yandexgpt."


@dataclass(frozen=True)
class PromptRequest:
    body: dict[str, Any]
    mode: Mode  # resolved: sync or async
    schema: dict[str, Any] | None


def build_request(task: TaskContext, settings: YandexGptSettings, folder_id: str) -> PromptRequest:
    """The completion body for this task; a bad property is a PermanentError naming it."""
    props = task.properties
    scope = Scope(task.variables, props, activity=task.activity_label, style=PROSE)
    template = props.get(f"{PREFIX}prompt") or task.message.activity.documentation
    if not template or not template.strip():
        raise PermanentError(
            f"yandexgpt: activity {task.activity_label} has no prompt: set the property "
            f"{PREFIX}prompt or the activity's documentation"
        )
    messages = []
    if system := props.get(f"{PREFIX}system_prompt"):
        messages.append({"role": "system", "text": render(system, scope, f"{PREFIX}system_prompt")})
    messages.append({"role": "user", "text": render(template, scope, "the prompt")})
    options = {
        "stream": False,
        "temperature": _number(task, "temperature", settings.temperature, float),
        "maxTokens": str(_number(task, "max_tokens", settings.max_tokens, int)),
    }
    model = props.get(f"{PREFIX}model") or settings.model
    body = {"modelUri": model_uri(folder_id, model), "completionOptions": options, "messages": messages}
    size = sum(len(m["text"]) for m in messages)
    return PromptRequest(body, _mode(task, settings, size), _schema(task, settings))


def model_uri(folder_id: str, model: str) -> str:
    """``gpt://<folder>/<model>``; a full URI (``gpt://…``, ``ds://…``) is kept as given."""
    return model if "://" in model else f"gpt://{folder_id}/{model.strip('/')}"


def _mode(task: TaskContext, settings: YandexGptSettings, size: int) -> Mode:
    mode = task.properties.get(f"{PREFIX}mode", settings.mode).strip().lower()
    if mode not in ("sync", "async", "auto"):
        raise PermanentError(f"yandexgpt: {PREFIX}mode must be sync, async or auto, not {mode!r}")
    if mode == "auto":
        return "async" if size > settings.async_threshold_chars else "sync"
    return cast(Mode, mode)


def _number(task: TaskContext, name: str, default: float, kind: type[float] | type[int]) -> Any:
    raw = task.properties.get(f"{PREFIX}{name}")
    if raw is None or not raw.strip():
        return default
    try:
        return kind(raw.strip())
    except ValueError:
        raise PermanentError(f"yandexgpt: {PREFIX}{name} is not a number: {raw!r}") from None


def _schema(task: TaskContext, settings: YandexGptSettings) -> dict[str, Any] | None:
    raw = (task.properties.get(f"{PREFIX}json_schema") or "").strip()
    if not raw:
        return None
    if raw in settings.json_schemas:
        return settings.json_schemas[raw]
    try:
        schema = json.loads(raw)
    except ValueError:
        known = ", ".join(sorted(settings.json_schemas)) or "none"
        raise PermanentError(
            f"yandexgpt: {PREFIX}json_schema is neither JSON nor a schema named in options (named: {known})"
        ) from None
    if not isinstance(schema, dict):
        raise PermanentError(f"yandexgpt: {PREFIX}json_schema must be a JSON object")
    return schema
