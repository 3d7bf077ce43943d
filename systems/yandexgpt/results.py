"""From a generation to the task's variables, or to the business errors a process may catch.

``ALTERNATIVE_STATUS_CONTENT_FILTER`` raises ``errors.content_filter`` (GPT_CONTENT_FILTER);
with a JSON schema on the activity, an answer that is not JSON or does not match the schema
raises ``errors.bad_json`` (GPT_BAD_JSON) carrying the raw text. Either is a BPMN error when
the activity catches the code, an incident otherwise (the tracker's settling decides).
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from core.errors import BusinessError, PermanentError
from systems.yandexgpt.answers import CONTENT_FILTER, Generation
from systems.yandexgpt.settings import YandexGptSettings

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def check_schema(schema: dict[str, Any] | None) -> None:
    """Refuse a broken schema before anything is generated (and billed)."""
    if schema is None:
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        raise PermanentError(f"yandexgpt: the activity's JSON schema is invalid: {err.message}") from None


def answer_variables(
    generation: Generation, schema: dict[str, Any] | None, settings: YandexGptSettings
) -> dict[str, Any]:
    """The variables of a usable answer; raises BusinessError for a filtered or bad one."""
    names = settings.results
    values: dict[str, Any] = {names.text: generation.text}
    optional = {
        names.status: generation.status,
        names.input_tokens: generation.usage.input_tokens,
        names.completion_tokens: generation.usage.completion_tokens,
        names.total_tokens: generation.usage.total_tokens,
        names.model_version: generation.model_version,
    }
    values.update({name: value for name, value in optional.items() if name})
    if generation.status == CONTENT_FILTER:
        raise BusinessError(
            settings.errors.content_filter,
            "YandexGPT refused the answer: ALTERNATIVE_STATUS_CONTENT_FILTER",
            variables={k: v for k, v in values.items() if k != names.text},
        )
    if schema is not None:
        values[names.parsed] = _parsed(generation.text, schema, settings, values)
    return values


def _parsed(text: str, schema: dict[str, Any], settings: YandexGptSettings, values: dict[str, Any]) -> Any:
    fenced = _FENCE.match(text)  # models like to wrap JSON in ```json … ```
    try:
        parsed = json.loads(fenced.group(1) if fenced else text)
    except ValueError as err:
        raise BusinessError(
            settings.errors.bad_json, f"YandexGPT answer is not JSON: {err}", variables=values
        ) from None
    problem = next(iter(Draft202012Validator(schema).iter_errors(parsed)), None)
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "(root)"
        raise BusinessError(
            settings.errors.bad_json,
            f"YandexGPT answer does not match the JSON schema at {where}: {problem.message}",
            variables=values,
        )
    return parsed
