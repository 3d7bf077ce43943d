"""Common base for contract models and typed-variable payloads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ContractError

M = TypeVar("M", bound="Contract")


class Contract(BaseModel):
    """Strict on what it receives (unknown fields are refused) and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True, by_alias=True).encode("utf-8")


class TypedVariable(Contract):
    """A process variable as the engine types it, so the type survives the trip."""

    type: str
    value: Any = None
    valueInfo: dict[str, Any] | None = Field(default=None)  # the engine's own field name


def now_utc() -> datetime:
    return datetime.now(UTC)


def validation_problems(errors: Iterable[Mapping[str, Any]]) -> list[str]:
    """``variables.phone: Field required`` per error: where and what, never the value."""
    return [
        f"{'.'.join(str(p) for p in e.get('loc', ())) or '(message)'}: {e.get('msg', 'invalid')}"
        for e in errors
    ]


def parse_contract(model: type[M], body: bytes | str) -> M:
    """Validate ``body`` against ``model``; every problem becomes a ContractError with its path."""
    try:
        return model.model_validate_json(body)
    except ValidationError as err:
        problems = "; ".join(validation_problems(err.errors()[:5]))
        raise ContractError(f"invalid {model.__name__}: {problems}") from None
