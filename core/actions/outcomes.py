"""What a handler returns: exactly one outcome per task.

    return complete({"score": 42})
    return bpmn_error("MISSING_PHONE", "Missing phone number")
    return tracked("8017", url="https://portal/company/personal/user/1/tasks/task/view/8017/")

A handler that cannot finish raises ``RetryableError`` (try again later) or
``PermanentError`` (an incident) from :mod:`core.errors` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Complete:
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BpmnError:
    code: str
    message: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tracked:
    id: str
    url: str | None = None


HandlerOutcome = Complete | BpmnError | Tracked


def complete(variables: Mapping[str, Any] | None = None) -> Complete:
    return Complete(dict(variables or {}))


def bpmn_error(
    code: str, message: str | None = None, variables: Mapping[str, Any] | None = None
) -> BpmnError:
    return BpmnError(code, message, dict(variables or {}))


def tracked(reference_id: str, *, url: str | None = None) -> Tracked:
    return Tracked(str(reference_id), url)
