"""Successful Bitrix24 answers: single calls, ``batch`` answers per command, list records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from systems.bitrix24.errors import Bitrix24Error, Bitrix24ProtocolError, error_for

JsonMap = dict[str, Any]


def php_map(value: Any) -> dict[str, Any]:
    """A map from PHP's JSON: an empty one arrives as ``[]``, numeric keys as a list."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Bitrix24Response:
    """One successful answer: ``result`` plus list paging (``total``, ``next``) and ``time``."""

    result: Any
    total: int | None = None
    next: int | None = None
    time: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Bitrix24Response:
        timing = payload.get("time")
        return cls(
            result=payload.get("result"),
            total=int_or_none(payload.get("total")),
            next=int_or_none(payload.get("next")),
            time=timing if isinstance(timing, Mapping) else {},
        )


@dataclass
class BatchResult:
    """The answers of a ``batch``, per command key. ``result[key]`` raises that command's error."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Bitrix24Error] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    next: dict[str, int] = field(default_factory=dict)
    times: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        """The result of ``key``; its error if it failed; KeyError if it never ran (halt)."""
        if key in self.errors:
            raise self.errors[key]
        return self.results[key]

    @property
    def ok(self) -> bool:
        """True when no command failed."""
        return not self.errors

    def raise_first_error(self) -> None:
        """Raise the error of the first failed command, if any."""
        for error in self.errors.values():
            raise error

    def absorb(self, other: BatchResult) -> None:
        """Add the answers of another request of the same logical batch."""
        self.results.update(other.results)
        self.errors.update(other.errors)
        self.totals.update(other.totals)
        self.next.update(other.next)
        self.times.update(other.times)


def parse_batch(result: Any, methods: Mapping[str, str]) -> BatchResult:
    """The ``result`` of one ``batch`` request; ``methods`` names each command's method."""
    body = result if isinstance(result, Mapping) else {}
    parsed = BatchResult(results=php_map(body.get("result")))
    parsed.times = {k: v for k, v in php_map(body.get("result_time")).items() if isinstance(v, Mapping)}
    for key, raw in php_map(body.get("result_error")).items():
        error = raw if isinstance(raw, Mapping) else {"error_description": str(raw)}
        method = methods.get(key, "batch")
        parsed.errors[key] = error_for(
            method, None, str(error.get("error", "")), str(error.get("error_description", ""))
        )
    for target, name in ((parsed.totals, "result_total"), (parsed.next, "result_next")):
        for key, value in php_map(body.get(name)).items():
            if (number := int_or_none(value)) is not None:
                target[key] = number
    return parsed


def rows_of(method: str, result: Any) -> list[JsonMap]:
    """The records of a list answer: a bare array (crm, user) or ``{"tasks": [...]}``."""
    if isinstance(result, Mapping):
        lists = [v for v in result.values() if isinstance(v, list)]
        if not result or (len(result) == 1 and lists):
            result = lists[0] if lists else []
    if not isinstance(result, list):
        raise Bitrix24ProtocolError(method, description="a list method answered without a list")
    return [dict(row) for row in result if isinstance(row, Mapping)]


def task_key(field_name: str) -> str:
    """The key of an UPPER_SNAKE request field in a task answer: ``UF_CRM_TASK`` → ``ufCrmTask``."""
    head, *rest = field_name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)
