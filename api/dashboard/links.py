"""Links to a process instance in Cockpit, from the systems' ``instance_url`` patterns.

Each people-work system may configure one (OpenProject: ``options.instance_url``; Bitrix24:
``options.tasks.instance_url``), so the pattern is looked for at the top of a system's
options and one level down. Rows not tied to one system (executions, incidents) use the
first pattern configured: every system points at the same engine's Cockpit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.config.models import SystemConfig

KEY = "instance_url"


def _pattern(options: Mapping[str, Any]) -> str | None:
    found = options.get(KEY)
    if isinstance(found, str) and found:
        return found
    for nested in options.values():
        if isinstance(nested, Mapping) and isinstance(nested.get(KEY), str) and nested[KEY]:
            return str(nested[KEY])
    return None


class InstanceLinks:
    def __init__(self, systems: Mapping[str, SystemConfig]) -> None:
        found = {name: _pattern(system.options) for name, system in systems.items()}
        self._patterns = {
            name: pattern
            for name, pattern in found.items()
            if pattern and pattern.startswith(("http://", "https://"))  # never a javascript: link
        }
        self._default = next(iter(self._patterns.values()), None)

    def for_system(
        self,
        system: str,
        instance_id: str,
        definition_key: str | None = None,
        definition_id: str | None = None,
    ) -> str | None:
        return _fill(self._patterns.get(system), instance_id, definition_key, definition_id)

    def for_instance(
        self, instance_id: str | None, definition_key: str | None = None, definition_id: str | None = None
    ) -> str | None:
        return _fill(self._default, instance_id, definition_key, definition_id) if instance_id else None


def _fill(
    pattern: str | None, instance_id: str, definition_key: str | None, definition_id: str | None
) -> str | None:
    """The pattern filled in; None when it names a value this row does not have."""
    if pattern is None:
        return None
    values = {
        "{process_instance_id}": instance_id,
        "{process_definition_key}": definition_key,
        "{process_definition_id}": definition_id,
    }
    for placeholder, value in values.items():
        if placeholder in pattern:
            if not value:
                return None
            pattern = pattern.replace(placeholder, value)
    return pattern
