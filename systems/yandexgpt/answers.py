"""Decoded answers: one generation (sync body or an operation's response) and one operation.

The sync REST body wraps the generation in ``result``; an operation's ``response`` does not.
Token counts arrive as strings (int64 in JSON) and leave here as ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from systems.yandexgpt.errors import YandexGptProtocolError, read_error

FINAL = "ALTERNATIVE_STATUS_FINAL"
TRUNCATED = "ALTERNATIVE_STATUS_TRUNCATED_FINAL"
CONTENT_FILTER = "ALTERNATIVE_STATUS_CONTENT_FILTER"


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True)
class Generation:
    text: str
    status: str
    usage: Usage
    model_version: str | None


@dataclass(frozen=True)
class Operation:
    """An async operation: running, done with a generation, or done with an error."""

    id: str
    done: bool
    generation: Generation | None = None
    error_code: int | None = None
    error_message: str = ""


def generation_of(body: Any, what: str) -> Generation:
    """The first alternative of a CompletionResponse (unwrapped from ``result`` when wrapped)."""
    if isinstance(body, Mapping) and isinstance(body.get("result"), Mapping):
        body = body["result"]
    if not isinstance(body, Mapping):
        raise YandexGptProtocolError(f"YandexGPT {what}: the answer is not a JSON object")
    alternatives = body.get("alternatives")
    if not isinstance(alternatives, list) or not alternatives or not isinstance(alternatives[0], Mapping):
        raise YandexGptProtocolError(f"YandexGPT {what}: the answer has no alternatives")
    first = alternatives[0]
    raw_message = first.get("message")
    message: Mapping[str, Any] = raw_message if isinstance(raw_message, Mapping) else {}
    return Generation(
        text=str(message.get("text") or ""),
        status=str(first.get("status") or "ALTERNATIVE_STATUS_UNSPECIFIED"),
        usage=_usage(body.get("usage")),
        model_version=str(body["modelVersion"]) if body.get("modelVersion") else None,
    )


def operation_of(body: Any, what: str) -> Operation:
    """An Operation object: ``done`` plus exactly one of ``response`` / ``error`` when done."""
    if not isinstance(body, Mapping) or not body.get("id"):
        raise YandexGptProtocolError(f"YandexGPT {what}: the answer is not an Operation")
    operation_id, done = str(body["id"]), bool(body.get("done"))
    if not done:
        return Operation(operation_id, False)
    if body.get("error") is not None:
        code, message = read_error(body["error"])
        return Operation(operation_id, True, error_code=code, error_message=message)
    return Operation(operation_id, True, generation=generation_of(body.get("response"), what))


def _usage(raw: Any) -> Usage:
    usage = raw if isinstance(raw, Mapping) else {}
    return Usage(
        input_tokens=_count(usage.get("inputTextTokens")),
        completion_tokens=_count(usage.get("completionTokens")),
        total_tokens=_count(usage.get("totalTokens")),
    )


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
