"""Values read from control-API JSON."""

from __future__ import annotations

from typing import Any


def optional_float(value: Any) -> float | None:
    """A number of seconds, or null (for "never" or "no such header")."""
    return None if value is None else float(value)
