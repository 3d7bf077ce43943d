"""The shapes every sandbox method shares: errors, answers, paging, ``time``, value coercion."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.sandbox.bitrix24.state import State

PAGE_SIZE = 50
#: The operating-time window Bitrix24 reports in ``time.operating_reset_at`` (10 minutes).
OPERATING_WINDOW_S = 600


class ApiError(Exception):
    """An error answer: HTTP status and the ``error``/``error_description`` body."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, str]:
        """The JSON body Bitrix24 sends."""
        return {"error": self.code, "error_description": self.description}


def core_error(description: str) -> ApiError:
    """A task-module refusal: 400 ``ERROR_CORE``."""
    return ApiError(400, "ERROR_CORE", description)


def crm_error(description: str) -> ApiError:
    """A CRM refusal: 400 with an empty code ("Not found", "ID is not defined or invalid")."""
    return ApiError(400, "", description)


@dataclass(frozen=True)
class Answer:
    """A successful method result; ``total``/``next`` for list methods."""

    result: Any
    total: int | None = None
    next: int | None = None


@dataclass(frozen=True)
class Call:
    """What a method handler needs: the store, the webhook's user and the time of the call."""

    state: State
    user_id: str
    now: float


Method = Callable[[Call, dict[str, Any]], Answer]


def lookup(params: Mapping[str, Any], name: str, index: int | None = None) -> Any:
    """A parameter by case-insensitive name (``TASKID`` = ``taskId``), or by legacy position."""
    wanted = name.lower()
    for key, value in params.items():
        if key.lower() == wanted:
            return value
    return params.get(str(index)) if index is not None else None


def to_int(value: Any) -> int | None:
    """An integer from JSON or query-string text; None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def as_map(value: Any) -> dict[str, Any]:
    """A parameter that should be a map (PHP lists count as maps by index)."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def as_list(value: Any) -> list[Any]:
    """A parameter that should be a list (a PHP map with any keys counts by its values)."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return list(value.values())
    return [] if value in (None, "") else [value]


def text(value: Any) -> Any:
    """Bitrix24 answers numbers as strings: 5 → "5", True → "Y"; lists and maps recursively."""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [text(v) for v in value]
    if isinstance(value, Mapping):
        return {k: text(v) for k, v in value.items()}
    return value


def camel(name: str) -> str:
    """An UPPER_SNAKE request key as a task answer key: ``RESPONSIBLE_ID`` → ``responsibleId``."""
    if not name.isupper() and "_" not in name:
        return name  # already camelCase
    head, *rest = name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def iso(ts: float) -> str:
    """A Bitrix24 date-time: ISO 8601 with the offset."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")


def time_block(start: float, finish: float, reset_at: float | None = None) -> dict[str, Any]:
    """The ``time`` object of every answer."""
    return {
        "start": round(start, 4),
        "finish": round(finish, 4),
        "duration": round(finish - start, 4),
        "processing": round(finish - start, 4),
        "date_start": iso(start),
        "date_finish": iso(finish),
        "operating_reset_at": int(reset_at if reset_at is not None else start + OPERATING_WINDOW_S),
        "operating": 0,
    }


def page(rows: list[Any], start: Any) -> Answer:
    """One page of 50; ``start=-1`` skips the count (no ``total``, no ``next``)."""
    offset = to_int(start) or 0
    if offset == -1:
        return Answer(rows[:PAGE_SIZE])
    offset = max(offset, 0)
    end = offset + PAGE_SIZE
    return Answer(rows[offset:end], total=len(rows), next=end if end < len(rows) else None)


def php_json_map(values: Mapping[str, Any]) -> Any:
    """A map as PHP's ``json_encode`` writes it: ``[]`` when empty, a list for keys 0..n-1."""
    if not values or list(values) == [str(i) for i in range(len(values))]:
        return list(values.values())
    return dict(values)
