"""The variables an action declares it reads, so a direct submission is checked before it runs.

Engine tasks are not checked against them (a process hands over what it has, and the action
fails with a clear message on what is missing); a direct submission is refused with every
problem listed at once. An action that declares nothing takes any variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# What a JSON value may be, by the name used in declarations and in error messages.
JSON_KINDS: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@dataclass(frozen=True)
class Input:
    name: str
    kinds: tuple[str, ...] = ("string",)  # any of these JSON kinds
    required: bool = True
    description: str = ""

    def problem(self, variables: Mapping[str, Any]) -> str | None:
        value = variables.get(self.name)
        if value is None:
            return f"variables.{self.name}: required" if self.required else None
        if not any(_is_kind(value, kind) for kind in self.kinds):
            return f"variables.{self.name}: expected {' or '.join(self.kinds)}, got {_kind_of(value)}"
        return None


@dataclass(frozen=True)
class Inputs:
    fields: tuple[Input, ...] = ()
    # Two or more names of which at least one must be present (e.g. a title or a full name).
    one_of: tuple[tuple[str, ...], ...] = field(default=())

    def problems(self, variables: Mapping[str, Any]) -> list[str]:
        found = [p for p in (f.problem(variables) for f in self.fields) if p]
        for names in self.one_of:
            if all(variables.get(name) in (None, "") for name in names):
                found.append(f"variables: one of {', '.join(names)} is required")
        return found


def _is_kind(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False  # JSON true is not a number, though Python's bool is an int
    return isinstance(value, JSON_KINDS[kind])


def _kind_of(value: Any) -> str:
    return next((kind for kind in JSON_KINDS if _is_kind(value, kind)), type(value).__name__)
