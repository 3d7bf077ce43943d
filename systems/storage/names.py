"""Table names and key lists as the model spells them, checked before any database work."""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.errors import PermanentError

TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")


def required(properties: Mapping[str, str], name: str, topic: str) -> str:
    value = properties.get(name, "").strip()
    if not value:
        raise PermanentError(f"{topic}: extension property {name!r} is missing")
    return value


def table_name(properties: Mapping[str, str], topic: str) -> str:
    name = required(properties, "storage.table", topic)
    if not TABLE_NAME.match(name):
        raise PermanentError(
            f"{topic}: table name {name!r} must start with a letter and hold only letters, digits, _ . -"
        )
    return name


def key_fields(properties: Mapping[str, str], topic: str) -> tuple[str, ...]:
    """``"advert_id, date"`` → ``("advert_id", "date")``."""
    raw = required(properties, "storage.key", topic)
    fields = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not fields:
        raise PermanentError(f"{topic}: extension property 'storage.key' names no field")
    return fields
