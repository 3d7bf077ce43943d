"""Dotted paths into decoded JSON data: ``main.temp``, ``items.0.id``.

Only mapping keys and list indices are followed, never Python attributes, so a path cannot
reach into objects: ``__class__`` is just a key that is not there.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final


class Missing(enum.Enum):
    """Marks a path that leads nowhere, as distinct from a present ``null``."""

    MISSING = "MISSING"


MISSING: Final = Missing.MISSING


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``, or ``MISSING``.

    A key that itself contains dots (``"a.b"``) is found too: it is tried whole first.
    """
    if isinstance(data, Mapping) and path in data:
        return data[path]
    current = data
    for segment in path.split("."):
        current = _step(current, segment)
        if current is MISSING:
            break
    return current


def _step(current: Any, segment: str) -> Any:
    if isinstance(current, Mapping):
        return current.get(segment, MISSING)
    if isinstance(current, list | tuple) and segment.isascii() and segment.isdigit():
        index = int(segment)
        return current[index] if index < len(current) else MISSING
    return MISSING
